//! The `--json` document: `{"scenario": "hk2019", "runs": [{"config": ..,
//! "eras": [legacy, patched]}]}`, each era's `by_class` keyed by class.

use serde::Serialize;

use super::{spare_numbers, SizeReport};
use privdiff::scale::scenario::{EraReport, MemberClass, ScenarioConfig};
use privdiff::world::Era;

/// The `--json` document of `reports`, pretty-printed.
pub(super) fn render_json(reports: &[SizeReport]) -> serde_json::Result<String> {
    let runs =
        reports.iter().map(|r| RunJson { config: &r.config, eras: r.eras.iter().map(EraJson::of).collect() }).collect();
    let doc = Document { scenario: "hk2019", runs };
    serde_json::to_string_pretty(&doc)
}

/// The `--json` document.
#[derive(Serialize)]
struct Document<'a> {
    scenario: &'static str,
    runs: Vec<RunJson<'a>>,
}

/// One size in the `--json` document.
#[derive(Serialize)]
struct RunJson<'a> {
    config: &'a ScenarioConfig,
    eras: Vec<EraJson>,
}

/// One era in the `--json` document: `by_class` is an object keyed by
/// class (`shows_number`, `hides_number`, `hides_and_restricts`,
/// `numbers_of_nobody`), as the table's rows.
#[derive(Serialize)]
struct EraJson {
    era: Era,
    imported: u32,
    matched: u32,
    unmasked: u32,
    inv1_breaches: u32,
    by_class: std::collections::BTreeMap<&'static str, ClassJson>,
}

/// A class's counts; the numbers of nobody have no members and show no
/// number, so those fields are left out for them.
#[derive(Serialize)]
struct ClassJson {
    #[serde(skip_serializing_if = "Option::is_none")]
    members: Option<u32>,
    imported: u32,
    matched: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    number_shown: Option<u32>,
}

/// The JSON key of a member class.
fn class_key(class: MemberClass) -> &'static str {
    match class {
        MemberClass::ShowsNumber => "shows_number",
        MemberClass::HidesNumber => "hides_number",
        MemberClass::HidesAndRestricts => "hides_and_restricts",
    }
}

impl EraJson {
    fn of(r: &EraReport) -> EraJson {
        let mut by_class: std::collections::BTreeMap<&'static str, ClassJson> = r
            .by_class
            .iter()
            .map(|(class, n)| {
                let counts = ClassJson {
                    members: Some(n.members),
                    imported: n.imported,
                    matched: n.matched,
                    number_shown: Some(n.number_shown),
                };
                (class_key(*class), counts)
            })
            .collect();
        let spare = ClassJson { members: None, imported: spare_numbers(r), matched: 0, number_shown: None };
        by_class.insert("numbers_of_nobody", spare);
        EraJson {
            era: r.era,
            imported: r.imported,
            matched: r.matched,
            unmasked: r.unmasked,
            inv1_breaches: r.inv1_breaches,
            by_class,
        }
    }
}
