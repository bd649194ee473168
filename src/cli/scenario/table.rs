//! The plain text output: a table per size and era, then a summary for a
//! sweep.

use std::fmt::Write as _;

use super::{spare_numbers, SizeReport};
use privdiff::scale::scenario::MemberClass;
use privdiff::world::Era;

/// The row label of a member class.
fn class_label(class: MemberClass) -> &'static str {
    match class {
        MemberClass::ShowsNumber => "shows number",
        MemberClass::HidesNumber => "hides number",
        MemberClass::HidesAndRestricts => "hides and restricts finding",
    }
}

/// The plain tables: per size and era, then a summary for a sweep.
pub(super) fn render_tables(reports: &[SizeReport]) -> String {
    let mut out = String::new();
    if let Some(first) = reports.first() {
        let c = &first.config;
        let _ = writeln!(
            out,
            "hk2019: {} members; hide share {}, restrict share {}, member share {}, seed {}",
            c.members, c.hide_share, c.restrict_share, c.member_share, c.seed
        );
    }
    for size in reports {
        for r in &size.eras {
            let _ = writeln!(
                out,
                "\n{} era: {} numbers imported, {} matched, {} members unmasked, {} INV-1 breaches",
                r.era, r.imported, r.matched, r.unmasked, r.inv1_breaches
            );
            let _ = writeln!(
                out,
                "  {:<28} {:>10} {:>10} {:>10} {:>12}",
                "member class", "members", "imported", "matched", "number shown"
            );
            for (class, n) in &r.by_class {
                let _ = writeln!(
                    out,
                    "  {:<28} {:>10} {:>10} {:>10} {:>12}",
                    class_label(*class),
                    n.members,
                    n.imported,
                    n.matched,
                    n.number_shown
                );
            }
            let _ = writeln!(
                out,
                "  {:<28} {:>10} {:>10} {:>10} {:>12}",
                "numbers of nobody",
                "-",
                spare_numbers(r),
                0,
                "-"
            );
        }
    }
    if reports.len() > 1 {
        let _ = writeln!(out, "\nsweep: members unmasked by numbers imported");
        let _ =
            writeln!(out, "  {:>10} {:>10} {:>10} {:>22}", "imported", "legacy", "patched", "legacy INV-1 breaches");
        for size in reports {
            let unmasked = |era| size.era(era).map_or(0, |r| r.unmasked);
            let breaches = size.era(Era::Legacy).map_or(0, |r| r.inv1_breaches);
            let _ = writeln!(
                out,
                "  {:>10} {:>10} {:>10} {:>22}",
                size.config.imports,
                unmasked(Era::Legacy),
                unmasked(Era::Patched),
                breaches
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use privdiff::scale::scenario::{Scenario, ScenarioConfig};

    #[test]
    fn tables_show_every_class_and_the_breaches() {
        let config = ScenarioConfig { members: 300, imports: 100, member_share: 0.9, ..ScenarioConfig::default() };
        let s = Scenario::build(&config).unwrap();
        let eras = vec![s.run(Era::Legacy).unwrap(), s.run(Era::Patched).unwrap()];
        let text = render_tables(&[SizeReport { config, eras: eras.clone() }]);
        for label in ["shows number", "hides number", "hides and restricts finding", "numbers of nobody"] {
            assert_eq!(text.matches(label).count(), 2, "{label} once per era:\n{text}");
        }
        let line = format!(
            "legacy era: 100 numbers imported, {} matched, {} members unmasked",
            eras[0].matched, eras[0].unmasked
        );
        assert!(text.contains(&line), "{text}");
        assert!(text.contains(&format!("{} INV-1 breaches", eras[0].inv1_breaches)));
        assert!(!text.contains("sweep:"), "no summary for a single size");
    }
}
