//! The architecture invariants of ARCHITECTURE.md, checked against `cargo metadata` and the
//! source tree. A change that breaks one (an engine that gains a database dependency, a web
//! handler that reaches for SQL) fails here with the rule it broke.

use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

struct Graph {
    names: HashMap<String, String>,
    normal_deps: HashMap<String, Vec<String>>,
}

fn metadata() -> Graph {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1"])
        .current_dir(root())
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("metadata JSON");
    let names = v["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| {
            (
                p["id"].as_str().expect("id").to_owned(),
                p["name"].as_str().expect("name").to_owned(),
            )
        })
        .collect();
    let mut normal_deps = HashMap::new();
    for node in v["resolve"]["nodes"].as_array().expect("nodes") {
        let deps = node["deps"]
            .as_array()
            .expect("deps")
            .iter()
            .filter(|d| {
                d["dep_kinds"]
                    .as_array()
                    .expect("kinds")
                    .iter()
                    .any(|k| k["kind"].is_null())
            })
            .map(|d| d["pkg"].as_str().expect("pkg").to_owned())
            .collect();
        normal_deps.insert(node["id"].as_str().expect("id").to_owned(), deps);
    }
    Graph { names, normal_deps }
}

impl Graph {
    fn id_of(&self, name: &str) -> &str {
        self.names
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(id, _)| id.as_str())
            .unwrap_or_else(|| panic!("no package {name}"))
    }

    /// Every package a crate needs at run time (its normal dependencies, transitively).
    fn runtime_closure(&self, name: &str) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![self.id_of(name).to_owned()];
        while let Some(id) = stack.pop() {
            for d in self.normal_deps.get(&id).into_iter().flatten() {
                if seen.insert(self.names[d].clone()) {
                    stack.push(d.clone());
                }
            }
        }
        seen
    }

    fn has_package(&self, name: &str) -> bool {
        self.names.values().any(|n| n == name)
    }
}

const ENGINES: &[&str] = &[
    "wholeplace-domain",
    "wholeplace-appraisal",
    "wholeplace-linkage",
    "wholeplace-pb",
];
const FORBIDDEN_IN_ENGINES: &[&str] = &[
    "tokio",
    "async-std",
    "smol",
    "sqlx",
    "sqlx-core",
    "rusqlite",
    "diesel",
    "postgres",
    "hyper",
    "axum",
    "reqwest",
    "askama",
    "minijinja",
    "tower",
    "futures",
];

fn rust_sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out
}

/// Architecture invariant: the engines and the domain depend on no async runtime, database, HTTP
/// or template crate.
#[test]
fn engines_have_no_io_dependencies() {
    let g = metadata();
    for engine in ENGINES.iter().filter(|e| g.has_package(e)) {
        let closure = g.runtime_closure(engine);
        let bad: Vec<_> = FORBIDDEN_IN_ENGINES
            .iter()
            .filter(|f| closure.contains(**f))
            .collect();
        assert!(
            bad.is_empty(),
            "{engine} must stay pure but depends on {bad:?}"
        );
    }
}

/// Architecture invariant: the engines and the domain read no clock, environment, file or network.
#[test]
fn engines_do_no_io_in_their_source() {
    let forbidden = [
        "std::fs",
        "std::env",
        "std::net",
        "std::process",
        "SystemTime",
        "Instant::now",
        "File::open",
        "std::io::stdin",
        "println!",
    ];
    for engine in ENGINES {
        let src = root().join("crates").join(engine).join("src");
        if !src.exists() {
            continue;
        }
        for file in rust_sources(&src) {
            let text = std::fs::read_to_string(&file).expect("read source");
            // Only the non-test part of a file counts.
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for f in forbidden {
                assert!(
                    !code.contains(f),
                    "{} uses {f}: engines are pure (no IO, clock or environment)",
                    file.display()
                );
            }
        }
    }
}

/// Architecture invariant: `web` never touches SQL, and `service` knows the store port, never an adapter.
#[test]
fn web_and_service_know_only_the_port() {
    let g = metadata();
    for front in ["wholeplace-web", "wholeplace-service"] {
        let closure = g.runtime_closure(front);
        for bad in ["sqlx", "sqlx-core", "wholeplace-store-sql"] {
            assert!(!closure.contains(bad), "{front} must not depend on {bad}");
        }
    }
    for file in rust_sources(&root().join("crates/wholeplace-web/src")) {
        let text = std::fs::read_to_string(&file).expect("read");
        for word in ["SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM", "sqlx"] {
            assert!(
                !text.contains(word),
                "{} contains `{word}`: SQL belongs in the store adapter",
                file.display()
            );
        }
    }
}

/// Architecture invariant: only the binary names the storage adapter (tests may use it too).
#[test]
fn only_the_binary_names_the_adapter() {
    let g = metadata();
    let adapter = g.id_of("wholeplace-store-sql").to_owned();
    let users: BTreeSet<_> = g
        .normal_deps
        .iter()
        .filter(|(_, deps)| deps.contains(&adapter))
        .map(|(id, _)| g.names[id].clone())
        .collect();
    let allowed: BTreeSet<_> = ["wholeplace-cli", "wholeplace-store-tests"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert!(
        users.is_subset(&allowed),
        "only the binary (and the test-database helper) may depend on wholeplace-store-sql; found {users:?}"
    );
}

/// Architecture invariant: ARCHITECTURE.md names every crate, so the map stays true.
#[test]
fn the_map_names_every_crate() {
    let map =
        std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md exists");
    for e in std::fs::read_dir(root().join("crates"))
        .expect("crates")
        .flatten()
    {
        let name = e.file_name().to_string_lossy().to_string();
        if e.path().join("Cargo.toml").exists() {
            assert!(
                map.contains(&name),
                "ARCHITECTURE.md does not mention crates/{name}: add it to the map"
            );
        }
    }
    assert!(
        map.matches("Architecture invariant:").count() >= 4,
        "the invariants are written down"
    );
}

/// The features, each one slice with a module of its name on every layer (ARCHITECTURE.md).
const FEATURES: [&str; 15] = [
    "accounts",
    "audit",
    "agencies",
    "places",
    "budget",
    "grants",
    "partnerships",
    "contacts",
    "projects",
    "appraisals",
    "dataset",
    "families",
    "retention",
    "extracts",
    "linking",
];

/// Architecture invariant: each feature has its module on every layer.
#[test]
fn every_feature_is_one_slice_through_every_layer() {
    let crates = root().join("crates");
    for f in FEATURES {
        for layer in [
            "wholeplace-store",
            "wholeplace-store-sql",
            "wholeplace-service",
        ] {
            let path = crates.join(layer).join("src").join(format!("{f}.rs"));
            assert!(
                path.exists(),
                "feature {f} has no module {}",
                path.display()
            );
        }
        // The pages of the workbook feature are `data.rs` (its address is /data); extracts are
        // uploaded on the linking pages (`linking.rs`, /linking).
        let page = match f {
            "dataset" => "data",
            "extracts" => "linking",
            _ => f,
        };
        let path = crates.join("wholeplace-web/src").join(format!("{page}.rs"));
        assert!(
            path.exists(),
            "feature {f} has no pages module {}",
            path.display()
        );
        let port =
            std::fs::read_to_string(crates.join("wholeplace-store/src").join(format!("{f}.rs")))
                .expect("port module");
        assert!(
            port.contains("pub trait "),
            "store/src/{f}.rs declares no port trait"
        );
    }
}

/// The port's methods that change data without taking an `AuditEvent`: bookkeeping that records
/// no one's action on a record (ARCHITECTURE.md names each and why).
const UNAUDITED_WRITES: [&str; 5] = [
    "touch_session",
    "record_login_failure",
    "clear_login_failures",
    "delete_expired_sessions",
    "mark_demo",
];

/// Architecture invariant: every change takes its audit event, except the named bookkeeping.
#[test]
fn every_change_to_the_port_takes_its_audit_event() {
    const WRITE_VERBS: [&str; 15] = [
        "create_", "update_", "delete_", "set_", "add_", "relate_", "insert_", "import_",
        "upsert_", "revoke_", "append_", "record_", "clear_", "touch_", "mark_",
    ];
    let mut unaudited = Vec::new();
    for path in rust_sources(&root().join("crates/wholeplace-store/src")) {
        let text = std::fs::read_to_string(&path).expect("read");
        // Each declaration runs from `fn name(` to its `;`.
        for decl in text.split("    async fn ").skip(1) {
            let decl = decl.split(';').next().unwrap_or_default();
            let name: String = decl
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if WRITE_VERBS.iter().any(|v| name.starts_with(v)) && !decl.contains("&AuditEvent") {
                unaudited.push(name);
            }
        }
    }
    unaudited.sort();
    let mut expected: Vec<String> = UNAUDITED_WRITES.iter().map(|s| (*s).to_owned()).collect();
    expected.sort();
    assert_eq!(
        unaudited, expected,
        "a port method that changes data must take its AuditEvent (or be named, with its reason, in ARCHITECTURE.md and UNAUDITED_WRITES)"
    );
}

/// Architecture invariant: command-line code (argument parsing, `anyhow`) lives in the binary;
/// the engines' IO crates are libraries the binary, the service and the fuzzer call alike.
#[test]
fn only_the_binary_parses_command_lines() {
    let g = metadata();
    for lib in ["wholeplace-appraisal-report", "wholeplace-linkage-job"] {
        let closure = g.runtime_closure(lib);
        let bad: Vec<_> = ["clap", "anyhow"]
            .iter()
            .filter(|f| closure.contains(**f))
            .collect();
        assert!(
            bad.is_empty(),
            "{lib} must be a library without command-line code but depends on {bad:?}"
        );
    }
}

/// Architecture invariant: the adapter reads every column by its name, so adding or reordering a
/// column in a query cannot shift what a record's fields are read from.
#[test]
fn the_adapter_reads_columns_by_name() {
    let mut positional = Vec::new();
    for file in rust_sources(&root().join("crates/wholeplace-store-sql/src")) {
        let text = std::fs::read_to_string(&file).expect("read source");
        for (n, line) in text.lines().enumerate() {
            if reads_a_column_by_position(line) {
                positional.push(format!("{}:{}: {line}", file.display(), n + 1));
            }
        }
    }
    assert!(
        positional.is_empty(),
        "read these columns by name (alias the column in the query where two share one):\n{}",
        positional.join("\n")
    );
}

/// Whether a line reads a row's column by number: `try_get(0)`, `try_get::<i64, _>(3)`,
/// `get(&r, 2)`, `.get(0)`.
fn reads_a_column_by_position(line: &str) -> bool {
    let mut rest = line;
    while let Some(at) = rest.find("get") {
        rest = &rest[at + 3..];
        let mut args = rest.strip_prefix("::<").map_or(rest, |generic| {
            generic.find('>').map_or("", |close| &generic[close + 1..])
        });
        let Some(inside) = args.strip_prefix('(') else {
            continue;
        };
        args = inside;
        let arguments = args.split(')').next().unwrap_or_default();
        let position = arguments.rsplit(',').next().unwrap_or_default().trim();
        if position.starts_with(|c: char| c.is_ascii_digit()) {
            return true;
        }
    }
    false
}

#[test]
fn positional_column_reads_are_recognised() {
    for positional in [
        "id: r.try_get(0).map_err(db_err)?,",
        "r.try_get::<i64, _>(3).map_err(db_err)?",
        "name: get(&r, 2)?,",
        ".get(0);",
    ] {
        assert!(reads_a_column_by_position(positional), "{positional}");
    }
    for named in [
        "id: r.try_get(\"id\").map_err(db_err)?,",
        "r.try_get::<i64, _>(\"n\").map_err(db_err)?",
        "name: get(&r, \"name\")?,",
        "map.get(&id)",
        "rows.get(i)",
    ] {
        assert!(!reads_a_column_by_position(named), "{named}");
    }
}

/// Architecture invariant: the port passes records' ids as their own types (`PlaceId`,
/// `AgencyId` ...), never as bare integers, so one kind of id cannot be given where another is
/// wanted. The audit log's entry numbers are positions in the chain, not record ids.
#[test]
fn the_port_passes_typed_ids() {
    let mut bare = Vec::new();
    for file in rust_sources(&root().join("crates/wholeplace-store/src")) {
        let text = std::fs::read_to_string(&file).expect("read source");
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            let names_an_id = [
                "id: i64",
                "_id: i64",
                "ids: &[i64]",
                "ids: Vec<i64>",
                "id: Option<i64>",
            ]
            .iter()
            .any(|p| code.contains(p));
            let chain_position = name.starts_with("audit") && !code.contains("user_id");
            if names_an_id && !chain_position {
                bare.push(format!("{name}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(
        bare.is_empty(),
        "give these ids their record's id type:\n{}",
        bare.join("\n")
    );
}
