//! The conformance suite calls every method of the storage port, so no method reaches a backend
//! untested: a method added to a port trait without a conformance case fails here.

use std::path::Path;

/// The names of the methods declared in the port's traits (`pub trait ...Store`).
fn port_methods() -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../wholeplace-store/src");
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&src).expect("port sources") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("read");
        let mut in_trait = false;
        for line in text.lines() {
            if line.starts_with("pub trait ") {
                in_trait = true;
            } else if line == "}" {
                in_trait = false;
            } else if in_trait {
                let decl = line.trim_start();
                let decl = decl.strip_prefix("async ").unwrap_or(decl);
                let top = line.starts_with("    ") && !line.starts_with("     ");
                if let Some(rest) = decl.strip_prefix("fn ").filter(|_| top) {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    names.push(name);
                }
            }
        }
    }
    names.sort();
    names
}

#[test]
fn port_methods_are_all_called() {
    let methods = port_methods();
    assert!(
        methods.len() > 60,
        "the port's traits were not read: {methods:?}"
    );
    let suite = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance.rs");
    let suite: String = std::fs::read_to_string(suite)
        .expect("suite")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let missing: Vec<&String> = methods
        .iter()
        .filter(|m| !suite.contains(&format!(".{m}(")))
        .collect();
    assert!(
        missing.is_empty(),
        "the conformance suite never calls these port methods: {missing:?}"
    );
}
