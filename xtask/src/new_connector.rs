//! `cargo xtask new-connector NAME`: a new connector crate from `xtask/templates/connector`,
//! added to the workspace and registered in the gateway behind `connector-NAME`.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context, Result, bail};

use crate::{cargo, run};

const TEMPLATE: &str = "xtask/templates/connector";

fn check_name(name: &str) -> Result<()> {
    let ok = (2..=24).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if !ok {
        bail!(
            "`{name}` is not a connector name: use 2-24 lowercase letters and digits, starting with a letter (e.g. `hubspot`)"
        );
    }
    Ok(())
}

fn title(name: &str) -> String {
    let mut c = name.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

fn render(text: &str, name: &str) -> String {
    text.replace("{{name}}", name)
        .replace("{{Name}}", &title(name))
}

fn template_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            template_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "tmpl") {
            out.push(path);
        }
    }
    Ok(())
}

/// Inserts `line` into the block of lines in `text` that start with `prefix`, keeping the
/// block sorted. The block must exist.
fn insert_sorted(text: &str, prefix: &str, line: &str, what: &str) -> Result<String> {
    let lines: Vec<&str> = text.lines().collect();
    let block: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with(prefix))
        .map(|(i, _)| i)
        .collect();
    let (Some(&first), Some(&last)) = (block.first(), block.last()) else {
        bail!("could not find {what} (lines starting with `{prefix}`)");
    };
    let at = (first..=last)
        .find(|&i| lines[i].trim_start() > line.trim_start())
        .unwrap_or(last + 1);
    let mut out: Vec<&str> = lines[..at].to_vec();
    out.push(line);
    out.extend_from_slice(&lines[at..]);
    // `lines()` drops the final newline (and a trailing blank line keeps its own).
    let trailing = if text.ends_with("\n\n") {
        "\n\n"
    } else if text.ends_with('\n') {
        "\n"
    } else {
        ""
    };
    Ok(out.join("\n").trim_end_matches('\n').to_owned() + trailing)
}

/// Applies `f` to the lines of the TOML table `header` (up to the next table).
fn in_section(text: &str, header: &str, f: impl FnOnce(&str) -> Result<String>) -> Result<String> {
    let start = if text.starts_with(&format!("{header}\n")) {
        header.len() + 1
    } else {
        text.find(&format!("\n{header}\n"))
            .map(|i| i + header.len() + 2)
            .with_context(|| format!("no {header} table"))?
    };
    let end = text[start..]
        .find("\n[")
        .map_or(text.len(), |i| start + i + 1);
    Ok(format!(
        "{}{}{}",
        &text[..start],
        f(&text[start..end])?,
        &text[end..]
    ))
}

fn edit(path: &Path, f: impl FnOnce(&str) -> Result<String>) -> Result<()> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    std::fs::write(path, f(&text)?).with_context(|| format!("writing {}", path.display()))
}

/// Generates and registers `connector-NAME` in the workspace at `root`.
pub fn generate(root: &Path, name: &str) -> Result<()> {
    check_name(name)?;
    let crate_dir = root.join(format!("connector-{name}"));
    if crate_dir.exists() {
        bail!("{} already exists", crate_dir.display());
    }
    let template = root.join(TEMPLATE);
    let mut files = Vec::new();
    template_files(&template, &mut files)?;
    for file in files {
        let rel = file.strip_prefix(&template)?.with_extension("");
        let dest = crate_dir.join(rel);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&dest, render(&std::fs::read_to_string(&file)?, name))?;
    }
    let krate = format!("connector-{name}");
    edit(&root.join("Cargo.toml"), |t| {
        let t = in_section(t, "[workspace]", |s| {
            insert_sorted(
                s,
                "\"connector-",
                &format!("    \"{krate}\","),
                "the workspace members",
            )
        })?;
        in_section(&t, "[workspace.dependencies]", |s| {
            insert_sorted(
                s,
                "connector-",
                &format!("{krate} = {{ path = \"{krate}\" }}"),
                "the workspace dependencies",
            )
        })
    })?;
    edit(&root.join("gateway/Cargo.toml"), |t| {
        let t = in_section(t, "[features]", |s| {
            let s = insert_sorted(
                s,
                "connector-",
                &format!("{krate} = [\"dep:{krate}\", \"{krate}/fake\"]"),
                "the connector features",
            )?;
            sort_all_connectors(&s.replacen(
                "all-connectors = [",
                &format!("all-connectors = [\"{krate}\", "),
                1,
            ))
        })?;
        in_section(&t, "[dependencies]", |s| {
            insert_sorted(
                s,
                "connector-",
                &format!("{krate} = {{ workspace = true, optional = true }}"),
                "the dependencies",
            )
        })
    })?;
    edit(&root.join("gateway/src/registry.rs"), |t| register(t, name))?;
    Ok(())
}

fn sort_all_connectors(text: &str) -> Result<String> {
    let start = text
        .find("all-connectors = [")
        .context("no all-connectors feature")?;
    let open = start + "all-connectors = [".len();
    let close = open
        + text[open..]
            .find(']')
            .context("all-connectors is not closed")?;
    let mut items: Vec<&str> = text[open..close]
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    items.sort();
    items.dedup();
    Ok(format!(
        "{}{}{}",
        &text[..open],
        items.join(", "),
        &text[close..]
    ))
}

/// Adds the registration lines, alphabetised by feature, between the markers.
fn register(text: &str, name: &str) -> Result<String> {
    let start = text
        .find("// @registrations-start")
        .context("registry.rs has no @registrations-start marker")?;
    let end = text
        .find("    // @registrations-end")
        .context("registry.rs has no @registrations-end marker")?;
    let body_start = start + text[start..].find('\n').context("marker line")? + 1;
    let mut entries: Vec<(String, String)> = Vec::new();
    let mut lines = text[body_start..end].lines();
    while let (Some(cfg), Some(call)) = (lines.next(), lines.next()) {
        entries.push((cfg.to_owned(), call.to_owned()));
    }
    entries.push((
        format!("    #[cfg(feature = \"connector-{name}\")]"),
        format!("    list.extend(connector_{name}::registration());"),
    ));
    entries.sort();
    let body: String = entries.iter().map(|(c, l)| format!("{c}\n{l}\n")).collect();
    Ok(format!("{}{body}{}", &text[..body_start], &text[end..]))
}

/// CI's proof: in a scratch copy of the workspace, generate a connector, then build it
/// alone in the gateway and run its conformance suite, exactly as generated.
pub fn prove(root: &Path) -> Result<()> {
    let scratch =
        std::env::temp_dir().join(format!("switchboard-new-connector-{}", std::process::id()));
    if scratch.exists() {
        std::fs::remove_dir_all(&scratch)?;
    }
    copy_tree(root, &scratch)?;
    let result = (|| {
        generate(&scratch, "sample")?;
        let cargo = cargo();
        // Reuse the main build's dependencies; only the new crates compile.
        let target = std::env::var("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|_| root.join("target"));
        let target = target.to_string_lossy().into_owned();
        run(&scratch, &cargo, &["fmt", "--all", "--", "--check"])?;
        run(
            &scratch,
            &cargo,
            &[
                "test",
                "-p",
                "connector-sample",
                "--features",
                "fake",
                "--target-dir",
                &target,
            ],
        )?;
        run(
            &scratch,
            &cargo,
            &[
                "clippy",
                "-p",
                "connector-sample",
                "--all-targets",
                "--all-features",
                "--target-dir",
                &target,
                "--",
                "-D",
                "warnings",
            ],
        )?;
        run(
            &scratch,
            &cargo,
            &[
                "check",
                "-p",
                "gateway",
                "--no-default-features",
                "--features",
                "connector-sample",
                "--target-dir",
                &target,
            ],
        )?;
        let out = Command::new(&cargo)
            .args([
                "run",
                "-q",
                "-p",
                "gateway",
                "--no-default-features",
                "--features",
                "connector-sample",
                "--target-dir",
                &target,
                "--",
                "check",
            ])
            .env("SWITCHBOARD_AUTH__ALLOW_ANONYMOUS", "true")
            .env(
                "SWITCHBOARD_CONNECTORS__SAMPLE__SETTINGS__BASE_URL",
                "https://api.sample.example",
            )
            .current_dir(&scratch)
            .output()?;
        let report = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() || !report.contains("connector sample: 3 tools") {
            bail!(
                "the gateway does not serve the generated connector:\n{report}{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        println!("{report}");
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        let skip = matches!(
            name.to_str(),
            Some("target" | ".git" | "node_modules" | ".venv" | "results")
        );
        if skip {
            continue;
        }
        let path = entry.path();
        let dest = to.join(&name);
        if entry.file_type()?.is_dir() {
            copy_tree(&path, &dest)?;
        } else if entry.file_type()?.is_file() {
            std::fs::copy(&path, &dest)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(check_name("hubspot").is_ok());
        assert!(check_name("Hub").is_err());
        assert!(check_name("hub_spot").is_err());
        assert!(check_name("9lives").is_err());
    }

    #[test]
    fn registration_lines_stay_sorted() {
        let text = "x\n    // @registrations-start (sorted)\n    #[cfg(feature = \"connector-basecamp\")]\n    list.extend(connector_basecamp::registration());\n    #[cfg(feature = \"connector-worksection\")]\n    list.extend(connector_worksection::registration());\n    // @registrations-end\n";
        let out = register(text, "hubspot").unwrap();
        let b = out.find("basecamp").unwrap();
        let h = out.find("connector-hubspot").unwrap();
        let w = out.find("worksection").unwrap();
        assert!(b < h && h < w, "{out}");
    }
}
