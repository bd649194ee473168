//! The reviewer's page: one self-contained static HTML document (no
//! network, no CDN: plain HTML and CSS, a few lines of inline script for
//! the filters) for a corpus of case files and/or a directory of crash
//! artifacts. A summary first (cases, verdicts, failure kinds, signatures,
//! the loophole count), then one entry per case or crash: its signature,
//! expected against actual verdict, the reproduce command, the story, and
//! a step-by-step table of what each implementation answered beside the
//! reference, with the first difference highlighted and every SPEC id
//! linked to its heading in `docs/SPEC.md`. `privdiff report` writes it;
//! `scripts/report-browser.sh` renders it in headless Chromium and checks
//! the DOM.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::corpus::case::Expected;
use crate::corpus::story;
use crate::oracle::cause::{first_cause, first_difference, Departure};
use crate::oracle::engine::{Trace, Verdict};
use crate::oracle::failure::Signature;
use crate::world::response::OutcomeDisplay;
use crate::world::{Run, SpecId};

/// One case or crash, run and ready to be shown.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The case's name, or the artifact's file name.
    pub title: String,
    /// The file it came from.
    pub source: String,
    /// What the file was read as (`case`, `typed`, `raw`).
    pub read_as: &'static str,
    /// The case's note for reviewers, if a case.
    pub note: Option<String>,
    /// The implementation in the patched seat.
    pub seat: String,
    /// A case's expected verdict, when it was compared.
    pub expected: Option<Expected>,
    /// The verdict it got.
    pub got: Expected,
    /// The command that reproduces it.
    pub reproduce: String,
    /// The run.
    pub run: Run,
    /// Every step, as the engine saw it.
    pub trace: Trace,
}

impl Entry {
    /// The failure's signature, if the run failed.
    pub fn signature(&self) -> Option<Signature> {
        self.trace.signature()
    }

    /// Whether the verdict is the expected one (`None`: nothing expected).
    pub fn as_expected(&self) -> Option<bool> {
        self.expected.as_ref().map(|e| e.met_by(&self.trace))
    }

    /// The INV-1 breach events legacy committed (the loophole finding).
    pub fn legacy_breaches(&self) -> usize {
        match &self.trace.verdict {
            Verdict::Pass { legacy_breaches, .. } | Verdict::Fail { legacy_breaches, .. } => *legacy_breaches,
        }
    }
}

/// Escapes text for HTML.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes `text` and links every SPEC id in it (`S10`, `INV-1`, `D-4`, as
/// whole words) to its heading.
fn linked(text: &str, spec: &Links) -> String {
    let mut out = String::new();
    let bytes: Vec<char> = text.chars().collect();
    let mut i = 0;
    let word = |c: char| c.is_alphanumeric() || c == '_';
    while i < bytes.len() {
        let starts_word = i == 0 || !word(bytes[i - 1]);
        if starts_word {
            if let Some((id, len)) = id_at(&bytes[i..]) {
                if bytes.get(i + len).is_none_or(|c| !word(*c)) {
                    out.push_str(&spec.link(id));
                    i += len;
                    continue;
                }
            }
        }
        out.push_str(&esc(&bytes[i].to_string()));
        i += 1;
    }
    out
}

/// The SPEC id at the start of `chars`, with its length.
fn id_at(chars: &[char]) -> Option<(SpecId, usize)> {
    // The longest ids first: S17 before S1, INV-1 before nothing.
    (1..=5).rev().find_map(|len| {
        let s: String = chars.get(..len)?.iter().collect();
        s.parse::<SpecId>().ok().map(|id| (id, len))
    })
}

/// How SPEC ids become links: to `docs/SPEC.md` (relative to the page, or
/// a URL) at the id's heading ([`SpecId::anchor`]).
struct Links {
    href: String,
}

impl Links {
    fn link(&self, id: SpecId) -> String {
        format!("<a class=\"spec\" href=\"{}#{}\">{}</a>", esc(&self.href), id.anchor(), id)
    }
}

/// An HTML id for entry `i`: stable, and unique in the page.
fn entry_id(i: usize, entry: &Entry) -> String {
    let name: String =
        entry.title.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' }).collect();
    format!("e{i}-{name}")
}

const STYLE: &str = "
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:16px 24px}header h1{margin:0;font-size:20px}header a{color:#9ecbff}
main{padding:16px 24px}section.summary{display:flex;flex-wrap:wrap;gap:12px;margin-bottom:16px}
.card{background:#fff;border:1px solid #d8dce3;border-radius:6px;padding:10px 14px;min-width:150px}
.card b{display:block;font-size:22px}.filters{margin:12px 0}.filters select{margin-right:12px}
article{background:#fff;border:1px solid #d8dce3;border-radius:6px;margin:14px 0;padding:12px 16px}
article.unexpected{border-left:6px solid #c62828}article.fail{border-left:6px solid #ef6c00}
article.pass{border-left:6px solid #2e7d32}h2{font-size:16px;margin:4px 0 8px}
.meta{color:#4a5261}.meta code{background:#eef0f4;padding:1px 4px;border-radius:3px}
table.steps{border-collapse:collapse;width:100%;margin:8px 0;font-size:13px}
table.steps td,table.steps th{border:1px solid #e1e4ea;padding:3px 6px;vertical-align:top;text-align:left}
td.differs{background:#fff3cd}tr.first-diff{outline:3px solid #c62828}tr.first-diff td:first-child::after{content:' first cause';color:#c62828;font-weight:bold}
tr.failing td{background:#fde2e2}tr td.differs{background:#ffd54f;font-weight:600}tr.state td{background:#e8f0fe;color:#1a3d7c}pre.story{background:#f3f4f7;padding:8px;overflow-x:auto;font-size:12px;white-space:pre-wrap}
a.spec{color:#1565c0}nav ul{columns:3;padding-left:18px}
";

const SCRIPT: &str = "
function filt(){var k=document.getElementById('kind').value,s=document.getElementById('sig').value;
document.querySelectorAll('article.entry').forEach(function(a){
var ok=(k===''||a.dataset.kind===k)&&(s===''||a.dataset.signature===s);a.style.display=ok?'':'none';});}
";

/// Renders the page for `entries`. `spec_href` is where `docs/SPEC.md` is,
/// seen from the page (a relative path or a URL); `coverage_href`, when
/// given, is the fuzz target's source-coverage report the header links to
/// (`scripts/coverage.sh`).
pub fn render(title: &str, entries: &[Entry], spec_href: &str, coverage_href: Option<&str>) -> String {
    let links = Links { href: spec_href.to_string() };
    let mut out = String::new();
    let coverage = coverage_href.map_or(String::new(), |href| {
        format!(
            " &middot; <a class=\"coverage\" href=\"{}\">source coverage of the fuzz target (privdiff's own sources)</a>",
            esc(href)
        )
    });
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>\n<header><h1>{}</h1><div>privdiff report: {} entries{coverage}</div></header>\n<main>\n",
        esc(title),
        esc(title),
        entries.len()
    );
    summary(&mut out, entries);
    filters(&mut out, entries);
    let _ = writeln!(out, "<nav><ul>");
    for (i, e) in entries.iter().enumerate() {
        let _ = writeln!(out, "<li><a href=\"#{}\">{}</a></li>", entry_id(i, e), esc(&e.title));
    }
    let _ = writeln!(out, "</ul></nav>");
    for (i, e) in entries.iter().enumerate() {
        entry(&mut out, i, e, &links);
    }
    let _ = writeln!(out, "</main><script>{SCRIPT}</script></body></html>");
    out
}

fn summary(out: &mut String, entries: &[Entry]) {
    let fails = entries.iter().filter(|e| e.signature().is_some()).count();
    let unexpected = entries.iter().filter(|e| e.as_expected() == Some(false)).count();
    let breaches: usize = entries.iter().map(Entry::legacy_breaches).sum();
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    let mut sigs: BTreeMap<String, usize> = BTreeMap::new();
    for e in entries {
        if let Some(sig) = e.signature() {
            *kinds.entry(sig.kind.to_string()).or_default() += 1;
            *sigs.entry(sig.to_string()).or_default() += 1;
        }
    }
    let _ = writeln!(out, "<section class=\"summary\" id=\"summary\">");
    let card = |out: &mut String, n: usize, what: &str| {
        let _ = writeln!(out, "<div class=\"card\"><b>{n}</b>{}</div>", esc(what));
    };
    card(out, entries.len(), "cases and crashes");
    card(out, entries.len() - fails, "pass");
    card(out, fails, "fail");
    card(out, unexpected, "not as expected");
    card(out, sigs.len(), "distinct signatures");
    card(out, breaches, "legacy INV-1 breach events (the loophole)");
    let _ = writeln!(out, "</section>");
    if !kinds.is_empty() {
        let _ = writeln!(out, "<table class=\"steps\" id=\"signatures\"><tr><th>signature</th><th>entries</th></tr>");
        for (sig, n) in &sigs {
            let _ = writeln!(out, "<tr><td>{}</td><td>{n}</td></tr>", esc(sig));
        }
        let _ = writeln!(out, "</table>");
    }
}

fn filters(out: &mut String, entries: &[Entry]) {
    let mut kinds: Vec<String> = entries.iter().map(kind_of).collect();
    kinds.sort();
    kinds.dedup();
    let mut sigs: Vec<String> = entries.iter().map(signature_of).collect();
    sigs.sort();
    sigs.dedup();
    let _ = write!(
        out,
        "<div class=\"filters\">kind <select id=\"kind\" onchange=\"filt()\"><option value=\"\">all</option>"
    );
    for k in &kinds {
        let _ = write!(out, "<option>{}</option>", esc(k));
    }
    let _ = write!(out, "</select> signature <select id=\"sig\" onchange=\"filt()\"><option value=\"\">all</option>");
    for s in &sigs {
        let _ = write!(out, "<option>{}</option>", esc(s));
    }
    let _ = writeln!(out, "</select></div>");
}

fn kind_of(e: &Entry) -> String {
    e.signature().map_or_else(|| "pass".to_string(), |s| s.kind.to_string())
}

fn signature_of(e: &Entry) -> String {
    e.signature().map_or_else(|| "pass".to_string(), |s| s.to_string())
}

fn entry(out: &mut String, i: usize, e: &Entry, links: &Links) {
    let class = match (e.as_expected(), e.signature()) {
        (Some(false), _) => "unexpected",
        (_, Some(_)) => "fail",
        (_, None) => "pass",
    };
    let _ = writeln!(
        out,
        "<article class=\"entry {class}\" id=\"{}\" data-kind=\"{}\" data-signature=\"{}\">",
        entry_id(i, e),
        esc(&kind_of(e)),
        esc(&signature_of(e))
    );
    let _ = writeln!(out, "<h2>{}</h2>", esc(&e.title));
    if let Some(note) = &e.note {
        let _ = writeln!(out, "<p>{}</p>", linked(note, links));
    }
    let _ = writeln!(out, "<div class=\"meta\">");
    let _ = writeln!(
        out,
        "<div>file <code>{}</code> (read as {}); patched seat: <b>{}</b></div>",
        esc(&e.source),
        e.read_as,
        esc(&e.seat)
    );
    let verdict = match (&e.expected, e.as_expected()) {
        (Some(want), Some(true)) => format!("expected {want}; got {} (as expected)", e.got),
        (Some(want), _) => format!("expected {want}; got {} (NOT as expected)", e.got),
        (None, _) => format!("got {}", e.got),
    };
    let _ = writeln!(out, "<div class=\"verdict\">{}</div>", linked(&verdict, links));
    if let Some(sig) = e.signature() {
        let _ =
            writeln!(out, "<div>signature <code class=\"signature\">{}</code></div>", linked(&sig.to_string(), links));
    }
    // The outlined step: the first cause (an answer or a state departing
    // from the reference); a shared reading departs nowhere.
    let cause = first_cause(&e.trace);
    let first = match &cause {
        Some(c) if !matches!(c.departure, Departure::Reading) => Some(c.step),
        Some(_) => None,
        None => first_difference(&e.trace).map(|(step, _)| step),
    };
    match &cause {
        Some(c) => {
            let _ = writeln!(out, "<div class=\"cause\">{}</div>", linked(&c.to_string(), links));
        }
        None => {
            if let Some((step, who)) = first_difference(&e.trace) {
                let _ = writeln!(
                    out,
                    "<div>first difference from the reference: step {step}, in {}</div>",
                    esc(&who.join(", "))
                );
            }
        }
    }
    let _ = writeln!(out, "<div>reproduce: <code>{}</code></div></div>", esc(&e.reproduce));
    steps_table(out, e, first, links);
    let _ = writeln!(
        out,
        "<details><summary>the story</summary><pre class=\"story\">{}</pre></details>",
        linked(&story::tell(&e.run, &e.trace), links)
    );
    let _ = writeln!(out, "</article>");
}

fn steps_table(out: &mut String, e: &Entry, first: Option<usize>, links: &Links) {
    let Some(s0) = e.trace.steps.first() else { return };
    let _ = write!(
        out,
        "<table class=\"steps\"><tr><th>step</th><th>operation</th><th>legacy reference</th><th>patched reference</th>"
    );
    for imp in &s0.implementations {
        let _ = write!(out, "<th>{} ({})</th>", esc(&imp.name), imp.era);
    }
    let _ = writeln!(out, "</tr>");
    for s in &e.trace.steps {
        let mut classes = Vec::new();
        if Some(s.index) == first {
            classes.push("first-diff");
        }
        if !s.failures.is_empty() {
            classes.push("failing");
        }
        let _ = write!(
            out,
            "<tr class=\"{}\" data-step=\"{}\"><td>{}</td><td>{} [{}]</td><td>{}</td><td>{}</td>",
            classes.join(" "),
            s.index,
            s.index,
            esc(&s.op.to_string()),
            links.link(s.op.spec_rule()),
            esc(&OutcomeDisplay(&s.reference.legacy).to_string()),
            esc(&OutcomeDisplay(&s.reference.patched).to_string())
        );
        for imp in &s.implementations {
            let differs = !imp.answered || imp.outcome != *s.reference.get(imp.era);
            let text = if imp.answered { OutcomeDisplay(&imp.outcome).to_string() } else { "no answer".to_string() };
            let _ = write!(out, "<td{}>{}</td>", if differs { " class=\"differs\"" } else { "" }, esc(&text));
        }
        let _ = writeln!(out, "</tr>");
        for imp in &s.implementations {
            if let Some(d) = &imp.state {
                let _ = writeln!(
                    out,
                    "<tr class=\"state\"><td></td><td colspan=\"{}\">state of {}: {}</td></tr>",
                    3 + s.implementations.len(),
                    esc(&imp.name),
                    linked(&d.to_string(), links)
                );
            }
        }
        for f in &s.failures {
            let _ = writeln!(
                out,
                "<tr class=\"failure\"><td></td><td colspan=\"{}\">FAIL {}</td></tr>",
                3 + s.implementations.len(),
                linked(&f.to_string(), links)
            );
        }
        for b in &s.legacy_breaches {
            let _ = writeln!(
                out,
                "<tr class=\"loophole\"><td></td><td colspan=\"{}\">loophole (legacy, {}): {} obtained {}'s hidden number {}</td></tr>",
                3 + s.implementations.len(),
                links.link(SpecId::Inv1),
                b.viewer,
                b.link.user,
                b.link.phone
            );
        }
    }
    let _ = writeln!(out, "</table>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spec_id_has_an_anchor_and_ids_are_linked_as_words() {
        assert_eq!(SpecId::S11.anchor(), "s11-addcontact");
        assert_eq!(SpecId::Inv1.anchor(), "inv-1-no-hidden-number-reaches-a-non-contact");
        let links = Links { href: "docs/SPEC.md".into() };
        let html = linked("leak (D-1) at S10 <x> notS1 S17.", &links);
        assert!(html.contains("href=\"docs/SPEC.md#d-1-patched-model-equals-patched-reference\">D-1</a>"), "{html}");
        assert!(html.contains(">S10</a>") && html.contains(">S17</a>") && !html.contains(">S1</a>"), "{html}");
        assert!(html.contains("&lt;x&gt;"), "{html}");
    }
}
