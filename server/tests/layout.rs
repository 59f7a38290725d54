//! The layout ARCHITECTURE.md describes: `server/src`'s top-level modules (a folder or a file each)
//! import each other without a cycle, so each is one stage that never reaches back into what it feeds
//! (test code aside), and the crate root stays small.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn modules() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut visit = vec![src.clone()];
    while let Some(dir) = visit.pop() {
        for entry in std::fs::read_dir(&dir).expect("src is readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                visit.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(&src).expect("under src");
            let top = rel.iter().next().and_then(|c| c.to_str()).unwrap_or_default().trim_end_matches(".rs").to_string();
            if top == "main" || top == "bin" || top == "lib" {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            let used = deps.entry(top.clone()).or_default();
            for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
                for (i, _) in line.match_indices("crate::") {
                    let name: String = line[i + 7..].chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect();
                    if !name.is_empty() && name != top {
                        used.insert(name);
                    }
                }
            }
        }
    }
    let known: BTreeSet<String> = deps.keys().cloned().collect();
    deps.values_mut().for_each(|d| d.retain(|m| known.contains(m)));
    deps
}

#[test]
fn the_stages_import_each_other_without_a_cycle() {
    let deps = modules();
    fn reaches(deps: &BTreeMap<String, BTreeSet<String>>, from: &str, to: &str, seen: &mut BTreeSet<String>) -> bool {
        deps.get(from).into_iter().flatten().any(|n| n == to || (seen.insert(n.clone()) && reaches(deps, n, to, seen)))
    }
    let cycles: Vec<String> =
        deps.iter().flat_map(|(m, ds)| ds.iter().filter(|d| reaches(&deps, d, m, &mut BTreeSet::new())).map(move |d| format!("{m} ⇄ {d}"))).collect();
    assert!(cycles.is_empty(), "modules that import each other: {cycles:?}");
    assert!(deps.contains_key("sources") && deps.contains_key("http"), "the walk found the stages");
}

#[test]
fn the_crate_root_holds_the_model_and_a_few_shared_files() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = std::fs::read_dir(src).expect("src").flatten().filter(|e| e.path().is_file()).count();
    assert!(files <= 8, "{files} files at server/src's root: put new ones in their stage's folder");
}
