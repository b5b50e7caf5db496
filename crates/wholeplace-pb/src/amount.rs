//! The arithmetic the rules count money in: exact rationals (`Exact`, the default, so no rounding
//! can decide a result) or `f64` (`Float`, to show that the two agree).

use std::cmp::Ordering;

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{ToPrimitive, Zero};

/// Money in the rules' arithmetic. Every value is non-negative.
pub trait Amount: Clone + std::fmt::Debug {
    fn zero() -> Self;
    fn from_u64(v: u64) -> Self;
    /// `n / d`; `d` is never zero.
    fn ratio(n: u64, d: u64) -> Self;
    fn plus(&self, other: &Self) -> Self;
    fn minus(&self, other: &Self) -> Self;
    fn times(&self, k: u64) -> Self;
    fn over(&self, k: u64) -> Self;
    /// `self / other`; `other` is never zero.
    fn divided_by(&self, other: &Self) -> Self;
    fn compare(&self, other: &Self) -> Ordering;
    fn is_zero(&self) -> bool;
    fn to_f64(&self) -> f64;
    /// The value as text: `p/q` for a rational, the decimal for a float.
    fn to_text(&self) -> String;
}

/// Exact rational arithmetic.
pub type Exact = BigRational;
/// Floating-point arithmetic.
pub type Float = f64;

impl Amount for BigRational {
    fn zero() -> Self {
        Zero::zero()
    }
    fn from_u64(v: u64) -> Self {
        BigRational::from_integer(BigInt::from(v))
    }
    fn ratio(n: u64, d: u64) -> Self {
        BigRational::new(BigInt::from(n), BigInt::from(d))
    }
    fn plus(&self, other: &Self) -> Self {
        self + other
    }
    fn minus(&self, other: &Self) -> Self {
        self - other
    }
    fn times(&self, k: u64) -> Self {
        self * BigRational::from_integer(BigInt::from(k))
    }
    fn over(&self, k: u64) -> Self {
        self / BigRational::from_integer(BigInt::from(k))
    }
    fn divided_by(&self, other: &Self) -> Self {
        self / other
    }
    fn compare(&self, other: &Self) -> Ordering {
        self.cmp(other)
    }
    fn is_zero(&self) -> bool {
        Zero::is_zero(self)
    }
    fn to_f64(&self) -> f64 {
        ToPrimitive::to_f64(self).unwrap_or(f64::NAN)
    }
    fn to_text(&self) -> String {
        if self.is_integer() {
            self.numer().to_string()
        } else {
            format!("{}/{}", self.numer(), self.denom())
        }
    }
}

impl Amount for f64 {
    fn zero() -> Self {
        0.0
    }
    fn from_u64(v: u64) -> Self {
        v as f64
    }
    fn ratio(n: u64, d: u64) -> Self {
        n as f64 / d as f64
    }
    fn plus(&self, other: &Self) -> Self {
        self + other
    }
    fn minus(&self, other: &Self) -> Self {
        self - other
    }
    fn times(&self, k: u64) -> Self {
        self * k as f64
    }
    fn over(&self, k: u64) -> Self {
        self / k as f64
    }
    fn divided_by(&self, other: &Self) -> Self {
        self / other
    }
    fn compare(&self, other: &Self) -> Ordering {
        self.total_cmp(other)
    }
    fn is_zero(&self) -> bool {
        *self == 0.0
    }
    fn to_f64(&self) -> f64 {
        *self
    }
    fn to_text(&self) -> String {
        self.to_string()
    }
}
