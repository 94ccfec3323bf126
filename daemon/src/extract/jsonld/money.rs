//! A JobPosting's `baseSalary` as people write it: "£35,392 to £42,618 a
//! year". schema.org gives a MonetaryAmount whose `value` is a number or a
//! QuantitativeValue with `minValue`, `maxValue` and a `unitText`.

use serde_json::Value;

/// The salary in words, or `None` when there is no amount.
pub(super) fn salary(base: &Value) -> Option<String> {
    match base {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Number(_) => amount(base).map(|a| group(a, None)),
        Value::Object(_) => {
            let currency = base.get("currency").and_then(Value::as_str);
            let value = base.get("value").unwrap_or(base);
            let unit = value
                .get("unitText")
                .or_else(|| base.get("unitText"))
                .and_then(Value::as_str)
                .and_then(per);
            let range = match (
                value.get("minValue").and_then(amount),
                value.get("maxValue").and_then(amount),
                value
                    .get("value")
                    .and_then(amount)
                    .or_else(|| amount(value)),
            ) {
                (Some(min), Some(max), _) if min < max => {
                    format!("{} to {}", group(min, currency), group(max, currency))
                }
                (Some(min), _, _) | (None, None, Some(min)) => group(min, currency),
                (None, Some(max), _) => format!("up to {}", group(max, currency)),
                (None, None, None) => return None,
            };
            Some(match unit {
                Some(unit) => format!("{range} {unit}"),
                None => range,
            })
        }
        _ => None,
    }
}

fn amount(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().replace(',', "").parse().ok(),
        _ => None,
    }
}

/// "YEAR" → "a year".
fn per(unit: &str) -> Option<&'static str> {
    match unit.trim().to_ascii_uppercase().as_str() {
        "YEAR" | "ANNUM" => Some("a year"),
        "MONTH" => Some("a month"),
        "WEEK" => Some("a week"),
        "DAY" => Some("a day"),
        "HOUR" => Some("an hour"),
        _ => None,
    }
}

/// 35392 in GBP → "£35,392"; pence only when there are any.
fn group(amount: f64, currency: Option<&str>) -> String {
    let cents = (amount * 100.0).round() as i64;
    let (whole, fraction) = (cents / 100, cents % 100);
    let digits = whole.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if fraction != 0 {
        grouped.push_str(&format!(".{fraction:02}"));
    }
    match currency.map(str::to_ascii_uppercase).as_deref() {
        Some("GBP") => format!("£{grouped}"),
        Some("EUR") => format!("€{grouped}"),
        Some("USD") => format!("${grouped}"),
        Some(other) => format!("{other} {grouped}"),
        None => grouped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_band_6_salary_reads_as_the_advert_writes_it() {
        let base: Value = serde_json::from_str(
            r#"{"@type":"MonetaryAmount","currency":"GBP","value":{"@type":"QuantitativeValue","minValue":35392,"maxValue":42618,"unitText":"YEAR"}}"#,
        )
        .unwrap();
        assert_eq!(salary(&base).as_deref(), Some("£35,392 to £42,618 a year"));
        let hourly: Value = serde_json::from_str(
            r#"{"currency":"AUD","value":{"value":"62.5","unitText":"HOUR"}}"#,
        )
        .unwrap();
        assert_eq!(salary(&hourly).as_deref(), Some("AUD 62.50 an hour"));
    }
}
