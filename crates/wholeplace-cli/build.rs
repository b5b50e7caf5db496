//! Sets the `no_test_postgres` cfg when no PostgreSQL server is named for the tests and `CI` is
//! not set, so the PostgreSQL half of `both_backends!` tests is reported as ignored rather than
//! passed. The web crate's build script is the same few lines (a shared build dependency would
//! compile the database drivers a second time for the build host).

fn main() {
    println!("cargo::rustc-check-cfg=cfg(no_test_postgres)");
    println!("cargo::rerun-if-env-changed=WHOLEPLACE_TEST_POSTGRES_URL");
    println!("cargo::rerun-if-env-changed=CI");
    let named = std::env::var("WHOLEPLACE_TEST_POSTGRES_URL").is_ok_and(|v| !v.is_empty());
    if !named && std::env::var("CI").is_err() {
        println!("cargo::rustc-cfg=no_test_postgres");
    }
}
