//! The window's privileges stay least: the capability file grants only what the UI uses, and
//! the Content Security Policy forbids inline and remote script. A permission added without
//! need, or a loosened policy, fails here.

use serde_json::Value;

fn read(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Everything the window may do besides calling Wirewatch's own commands.
const ALLOWED: &[&str] = &[
    "core:event:allow-listen",
    "core:event:allow-unlisten",
    "core:window:allow-show",
    "core:window:allow-hide",
    "core:window:allow-set-focus",
    "core:window:allow-unminimize",
    "core:window:allow-minimize",
    "core:window:allow-is-focused",
    "core:window:allow-is-visible",
    "core:window:allow-set-title",
    "dialog:allow-open",
    "dialog:allow-save",
    "notification:allow-is-permission-granted",
    "notification:allow-request-permission",
    "notification:allow-permission-state",
];

#[test]
fn the_window_is_granted_only_what_it_uses() {
    let capabilities =
        std::fs::read_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("capabilities"))
            .unwrap()
            .count();
    assert_eq!(capabilities, 1, "one capability file, for the main window");
    let cap = read("capabilities/default.json");
    assert_eq!(cap["windows"], serde_json::json!(["main"]));
    for permission in cap["permissions"].as_array().unwrap() {
        let p = permission
            .as_str()
            .expect("plain permission identifiers, no scoped grants");
        assert!(
            ALLOWED.contains(&p),
            "{p} is granted but the window does not need it"
        );
        for broad in ["fs:", "shell:", "http:", "process:", "opener:", ":default"] {
            assert!(!p.contains(broad), "{p} grants more than the window uses");
        }
    }
}

#[test]
fn the_content_security_policy_forbids_inline_and_remote_script() {
    let conf = read("tauri.conf.json");
    let csp = conf["app"]["security"]["csp"]
        .as_str()
        .expect("a CSP is set");
    let directive = |name: &str| {
        csp.split(';')
            .map(str::trim)
            .find(|d| d.starts_with(name))
            .unwrap_or_else(|| panic!("the CSP has no {name}: {csp}"))
            .to_string()
    };
    assert_eq!(
        directive("script-src"),
        "script-src 'self'",
        "scripts only from the app itself"
    );
    assert_eq!(directive("default-src"), "default-src 'self'");
    assert!(!csp.contains("unsafe-eval"), "{csp}");
    assert!(!directive("script-src").contains("unsafe-inline"), "{csp}");
    assert_eq!(conf["app"]["security"]["freezePrototype"], true);
}
