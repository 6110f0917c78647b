//! Costs as revisit shows them: a price table (the embedded one with `config.toml`'s
//! overrides) and a cost mode, applied to usage rows and to single messages.

use crate::model::{Message, TokenUsage};
use crate::pricing::{CostMode, PriceTable, is_long_context, usage_cost};
use crate::stats::{Pricer, RowCost, UsageRow};
use std::sync::Arc;

/// Prices and the cost mode.
pub struct TablePricer {
    pub table: PriceTable,
    pub mode: CostMode,
}

impl std::fmt::Debug for TablePricer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "TablePricer({} models, {})",
            self.table.len(),
            self.mode.as_str()
        )
    }
}

fn priced(
    table: &PriceTable,
    model: Option<&str>,
    long_context: bool,
    u: &TokenUsage,
) -> Option<f64> {
    let (_, p) = table.lookup(model?)?;
    Some(usage_cost(p, u, long_context))
}

impl Pricer for TablePricer {
    fn row_cost(&self, r: &UsageRow) -> RowCost {
        let use_recorded = r.recorded && matches!(self.mode, CostMode::Auto | CostMode::Recorded);
        if use_recorded {
            return RowCost {
                usd: r.cost.unwrap_or(0.0),
                unpriced_turns: 0,
            };
        }
        if r.turns == 0 || r.tokens.is_empty() {
            return RowCost::default();
        }
        if self.mode == CostMode::Recorded {
            return RowCost {
                usd: 0.0,
                unpriced_turns: r.turns,
            };
        }
        match priced(&self.table, r.model.as_deref(), r.long_context, &r.tokens) {
            Some(usd) => RowCost {
                usd,
                unpriced_turns: 0,
            },
            None => RowCost {
                usd: 0.0,
                unpriced_turns: r.turns,
            },
        }
    }
}

impl TablePricer {
    /// The cost of one message as shown in a transcript (`None`: no usage, or no price).
    pub fn message_cost(&self, m: &Message) -> Option<f64> {
        let recorded = m.cost_usd;
        if recorded.is_some() && matches!(self.mode, CostMode::Auto | CostMode::Recorded) {
            return recorded;
        }
        if self.mode == CostMode::Recorded {
            return None;
        }
        let u = m.usage.as_ref().filter(|u| !u.is_empty())?;
        priced(&self.table, m.model.as_deref(), is_long_context(u), u)
    }
}

/// The pricer for a config (and a cost mode given on the command line, which wins).
pub fn pricer(
    config: &crate::config::Config,
    mode: Option<CostMode>,
) -> (Arc<TablePricer>, Vec<String>) {
    let (table, warnings) = PriceTable::embedded().with_overrides(&config.pricing);
    let mode = mode.unwrap_or_else(|| config.pricing.cost_mode());
    (Arc::new(TablePricer { table, mode }), warnings)
}
