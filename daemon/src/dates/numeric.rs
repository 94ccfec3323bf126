//! All-numeric dates (04/05/2024, 2024-05-04, 4.5.24), read in the order
//! the source writes them.

use super::*;

impl Scanner<'_> {
    /// `a S b S c` with one separator kind, glued together. Returns the date (None if
    /// impossible) and the next token; `None` if the syntax does not fit.
    fn numeric_date(&self, i: usize) -> Option<(Option<NaiveDate>, usize)> {
        let a = self.num(i)?;
        let s = self.sym(i + 1).filter(|c| "/-.".contains(*c))?;
        let b = self.num(i + 2)?;
        let c = self.num(i + 4)?;
        let glued = (i + 1..=i + 4).all(|k| self.adj(k)) && self.sym(i + 3) == Some(s);
        if !glued {
            return None;
        }
        let date = if a.len == 4 {
            if b.len > 2 || c.len > 2 {
                return None;
            }
            ymd(a.val as i32, b.val, c.val)
        } else {
            if a.len > 2 || b.len > 2 || !(c.len == 4 || c.len == 2) {
                return None;
            }
            let y = match c.len {
                2 if c.val < 70 => 2000 + c.val as i32,
                2 => 1900 + c.val as i32,
                _ => c.val as i32,
            };
            if s == '.' {
                // "1.2.24" is more likely a version number than a date.
                if c.len == 2 && (a.len != 2 || b.len != 2) {
                    return None;
                }
                ymd(y, b.val, a.val)
            } else {
                let (mdy, dmy) = (ymd(y, a.val, b.val), ymd(y, b.val, a.val));
                match self.ctx.order {
                    DateOrder::Mdy => mdy.or(dmy),
                    DateOrder::Dmy => dmy.or(mdy),
                }
            }
        };
        Some((date, i + 5))
    }

    /// Nothing glued after a numeric date that would make it part of a longer code.
    fn numeric_end_ok(&self, e: usize, iso: bool) -> bool {
        if !self.adj(e) {
            return true;
        }
        match self.toks[e].kind {
            Kind::Num => false,
            Kind::Word => iso && self.toks[e].word == "t",
            Kind::Sym(c) => !("/-.".contains(c) && self.adj(e + 1) && self.num(e + 1).is_some()),
        }
    }

    pub(super) fn numeric(&self, i: usize) -> Option<Attempt> {
        let (d1, e1) = self.numeric_date(i)?;
        let iso = self.toks[i].len == 4;
        if i > 0 && self.adj(i) {
            let bad = match self.toks[i - 1].kind {
                Kind::Num | Kind::Word => true,
                Kind::Sym(c) => "/-.+#£$€,_".contains(c),
            };
            if bad {
                return Some(Attempt::Skip(e1));
            }
        }
        if let Some((r, Sep::Range)) = self.separator(e1)
            && let Some((d2, e2)) = self.numeric_date(r)
            && self.numeric_end_ok(e2, self.toks[r].len == 4)
            && let (Some(s), Some(e)) = (d1, d2)
            && e >= s
            && (e - s).num_days() <= 366
        {
            return Some(self.finish_day(i, e2, s, e));
        }
        if !self.numeric_end_ok(e1, iso) {
            return Some(Attempt::Skip(e1));
        }
        Some(match d1 {
            Some(d) => self.finish_day(i, e1, d, d),
            None => Attempt::Skip(e1),
        })
    }
}
