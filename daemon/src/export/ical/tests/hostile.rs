//! Hostile scraped text: escaping, control characters, folding, and a
//! proptest over arbitrary strings.

use super::*;

const HOSTILE_TITLE: &str = "Line one\r\nLine two\nLine three\rLine four, with; commas,, \
                             semi;colons and back\\slashes \\n \\, \\\\ END:VEVENT";

fn long_line() -> String {
    "Ünïcödé café — 東京 🫀 "
        .chars()
        .cycle()
        .take(1000)
        .collect::<String>()
}

fn hostile_item() -> Item {
    let mut hostile = item("hostile", ItemKind::Course, HOSTILE_TITLE);
    hostile.title = format!(
        "{HOSTILE_TITLE}\r\n{}\nBEGIN:VEVENT\r\nUID:evil",
        long_line()
    );
    hostile.summary = format!(
        "{}\r\n\r\nSUMMARY:injected\n;X-EVIL=1:\\;\r{}\u{0}\u{7}\u{1b}[31m\u{7f}\u{85}",
        long_line(),
        "x".repeat(1000)
    );
    hostile.place.text = "Café Müller, Straße 1; 3rd floor\nBEGIN:VALARM".to_owned();
    hostile.url = "https://example.org/a,b;c?d=é f\r\nATTENDEE:mailto:evil@example.org".to_owned();
    hostile.when = days(date(2024, 3, 1), None);
    hostile.deadlines = vec![deadline(
        DeadlineKind::Other,
        date(2024, 2, 1),
        "Due\r\nEND:VCALENDAR",
    )];
    hostile
}

#[test]
fn hostile_text_comes_back_exactly_and_adds_no_property() {
    let hostile = hostile_item();
    let plain = {
        let mut plain = hostile.clone();
        plain.title = "Plain".to_owned();
        plain.summary = "Plain".to_owned();
        plain.place.text = "Plain".to_owned();
        plain.url = "https://example.org/".to_owned();
        plain.deadlines[0].label = "Plain".to_owned();
        plain
    };
    let options = CalendarOptions {
        alarm: Some(Duration::days(1)),
        ..options()
    };
    let ics = write(std::slice::from_ref(&hostile), &options);
    assert_physical_lines(&ics);
    // The same number of content lines (so of properties and components)
    // as a calendar of the same item with harmless text.
    assert_eq!(
        logical_lines(&ics).len(),
        logical_lines(&write(&[plain], &options)).len()
    );

    let calendar = parse(&ics);
    let events = events(&calendar);
    assert_eq!(events.len(), 2);
    let e = events[0];
    assert_eq!(e.one("SUMMARY"), normalise(&hostile.title));
    assert_eq!(
        e.one("DESCRIPTION"),
        format!(
            "{}\n\nELSO: https://example.org/list",
            normalise(&hostile.summary)
        )
    );
    // The same, spelled out: the injected line is text inside DESCRIPTION.
    assert_eq!(
        e.one("DESCRIPTION"),
        format!(
            "{}\n\nSUMMARY:injected\n;X-EVIL=1:\\;\n{}[31m\n\nELSO: https://example.org/list",
            long_line(),
            "x".repeat(1000)
        )
    );
    assert_eq!(
        e.one("LOCATION"),
        "Café Müller, Straße 1; 3rd floor\nBEGIN:VALARM"
    );
    // A URI is not TEXT: its commas and semicolons stay bare, the injected
    // line break is gone and what a URI cannot hold is percent-encoded.
    assert_eq!(
        e.one("URL"),
        "https://example.org/a,b;c?d=%C3%A9%20fATTENDEE:mailto:evil@example.org"
    );
    assert_eq!(e.get("ATTENDEE"), None);
    assert!(e.children.is_empty());

    let d = events[1];
    assert_eq!(
        d.one("SUMMARY"),
        format!("Deadline: {}", normalise(&hostile.title))
    );
    assert!(
        d.one("DESCRIPTION")
            .starts_with("Due\nEND:VCALENDAR\n\nELSO: ")
    );
    assert_eq!(d.children.len(), 1);
    assert_eq!(
        d.children[0].one("DESCRIPTION"),
        format!("Deadline: {}", normalise(&hostile.title))
    );
}

#[test]
fn title_with_line_breaks_is_one_summary() {
    let mut it = item("x", ItemKind::Course, "a\r\nb\nc\rd\r\n\r\ne");
    it.when = days(date(2024, 5, 1), None);
    let ics = write(&[it], &options());
    assert!(
        ics.contains("\r\nSUMMARY:a\\nb\\nc\\nd\\n\\ne\r\n"),
        "{ics}"
    );
    assert_eq!(ics.matches("SUMMARY").count(), 1);
}

#[test]
fn escapes_text_per_rfc_5545() {
    let mut it = item("x", ItemKind::Course, "a\\b;c,d");
    it.when = days(date(2024, 5, 1), None);
    it.org = "Org, Inc; Ltd".to_owned();
    let ics = write(&[it], &options());
    assert!(ics.contains("\r\nSUMMARY:a\\\\b\\;c\\,d\r\n"), "{ics}");
    assert!(
        ics.contains("\r\nCATEGORIES:course,Org\\, Inc\\; Ltd\r\n"),
        "{ics}"
    );
}

#[test]
fn control_characters_are_dropped_and_tabs_become_spaces() {
    let mut it = item(
        "x",
        ItemKind::Course,
        "a\u{0}b\u{7}c\u{1b}d\u{7f}e\u{85}f\tg",
    );
    it.when = days(date(2024, 5, 1), None);
    let ics = write(&[it], &options());
    assert!(ics.contains("\r\nSUMMARY:abcdef g\r\n"), "{ics}");
}

#[test]
fn a_fold_never_splits_an_escape_or_a_character() {
    // "SUMMARY:" and 66 letters make 74 octets: the escaped comma does not
    // fit whole and moves to the next line together with its backslash.
    let title = format!("{},tail", "a".repeat(66));
    let mut it = item("x", ItemKind::Course, &title);
    it.when = days(date(2024, 5, 1), None);
    let ics = write(&[it], &options());
    let expected = format!("\r\nSUMMARY:{}\r\n \\,tail\r\n", "a".repeat(66));
    assert!(ics.contains(&expected), "{ics}");

    // Four-octet characters: 67 octets of room after "SUMMARY:" hold 16
    // hearts (64 octets); the 17th goes to the next line.
    let mut it = item("x", ItemKind::Course, &"🫀".repeat(40));
    it.when = days(date(2024, 5, 1), None);
    let ics = write(&[it], &options());
    let expected = format!(
        "\r\nSUMMARY:{}\r\n {}\r\n {}\r\n",
        "🫀".repeat(16),
        "🫀".repeat(18),
        "🫀".repeat(6)
    );
    assert!(ics.contains(&expected), "{ics}");
    assert_physical_lines(&ics);
}

#[test]
fn long_urls_are_folded_and_read_back_whole() {
    let url = format!("https://example.org/{}?q=a,b;c", "segment/".repeat(30));
    let mut it = item("x", ItemKind::Course, "t");
    it.url.clone_from(&url);
    it.when = days(date(2024, 5, 1), None);
    let ics = write(&[it], &options());
    assert_physical_lines(&ics);
    assert_eq!(events(&parse(&ics))[0].one("URL"), url);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_text_keeps_the_line_rules_and_round_trips(
        title in any::<String>(),
        summary in any::<String>(),
        place in any::<String>(),
        hostile in "[\\r\\n\\\\;,: a-zA-Zé東🫀\u{0}\u{7f}\u{85}\u{2028}]{0,300}",
    ) {
        let mut it = item("p", ItemKind::Conference, &format!("{title}{hostile}"));
        it.summary = format!("{hostile}{summary}");
        it.place.text = format!("{place}{hostile}");
        it.when = days(date(2024, 5, 1), Some(date(2024, 5, 3)));
        it.deadlines = vec![deadline(DeadlineKind::Abstract, date(2024, 3, 1), &summary)];
        let options = CalendarOptions { alarm: Some(Duration::days(7)), ..options() };
        let ics = write(std::slice::from_ref(&it), &options);
        assert_physical_lines(&ics);

        let calendar = parse(&ics);
        let events = events(&calendar);
        prop_assert_eq!(events.len(), 2);
        let e = events[0];
        prop_assert_eq!(e.one("SUMMARY"), normalise(&it.title));
        let blank = |s: &str| normalise(s).trim().is_empty();
        let sources = "ELSO: https://example.org/list";
        let description = if blank(&it.summary) {
            sources.to_owned()
        } else {
            format!("{}\n\n{sources}", normalise(&it.summary))
        };
        prop_assert_eq!(e.one("DESCRIPTION"), description);
        if blank(&it.place.text) {
            prop_assert_eq!(e.get("LOCATION"), None);
        } else {
            prop_assert_eq!(e.one("LOCATION"), normalise(&it.place.text));
        }
        // Exactly the properties an event has, each once: nothing injected.
        let names = |c: &Comp| c.props.iter().map(|p| p.name.clone()).collect::<Vec<_>>();
        let mut expected = vec![
            "UID", "DTSTAMP", "LAST-MODIFIED", "SEQUENCE", "DTSTART", "DTEND", "SUMMARY",
            "DESCRIPTION", "LOCATION", "URL", "CATEGORIES", "STATUS", "TRANSP",
        ];
        if blank(&it.place.text) {
            expected.retain(|n| *n != "LOCATION");
        }
        prop_assert_eq!(names(e), expected);
        prop_assert!(e.children.is_empty());
        prop_assert_eq!(events[1].children.len(), 1);
        prop_assert_eq!(names(&events[1].children[0]), ["ACTION", "TRIGGER", "DESCRIPTION"]);
        // Header (8) and BEGIN/END of each component: every content line
        // is accounted for.
        let counted = 2 + 8 + (2 + e.props.len()) + (2 + events[1].props.len()) + (2 + 3);
        prop_assert_eq!(logical_lines(&ics).len(), counted);
        prop_assert_eq!(events[1].one("SUMMARY"), format!("Abstract deadline: {}", normalise(&it.title)));
        let label = if blank(&summary) {
            sources.to_owned()
        } else {
            format!("{}\n\n{sources}", normalise(summary.trim_end()))
        };
        prop_assert_eq!(events[1].one("DESCRIPTION"), label);
    }
}
