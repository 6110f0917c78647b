//! TEMPORARY STUB (replaced by the real module from the issue7-pricing branch).
use crate::model::TokenUsage;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prices {
    pub input: f64,
    pub output: f64,
    pub cache_read: Option<f64>,
    pub cache_write: Option<f64>,
    pub cache_write_1h: Option<f64>,
    pub above_200k: Option<Tier>,
}
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tier {
    pub input: Option<f64>,
    pub output: Option<f64>,
    pub cache_read: Option<f64>,
    pub cache_write: Option<f64>,
}
pub struct PriceTable {
    models: Vec<(String, Prices)>,
}
impl Clone for PriceTable {
    fn clone(&self) -> Self {
        PriceTable {
            models: self.models.clone(),
        }
    }
}
impl PriceTable {
    pub fn with_overrides(&self, _cfg: &crate::config::PricingConfig) -> (PriceTable, Vec<String>) {
        (self.clone(), Vec::new())
    }
    pub fn embedded() -> &'static PriceTable {
        static T: std::sync::OnceLock<PriceTable> = std::sync::OnceLock::new();
        T.get_or_init(|| PriceTable {
            models: vec![(
                "claude-sonnet-4-5".into(),
                Prices {
                    input: 3e-6,
                    output: 15e-6,
                    cache_read: Some(3e-7),
                    cache_write: Some(3.75e-6),
                    cache_write_1h: Some(6e-6),
                    above_200k: None,
                },
            )],
        })
    }
    pub fn lookup(&self, model: &str) -> Option<(&str, &Prices)> {
        self.models
            .iter()
            .find(|(k, _)| model.starts_with(k.as_str()))
            .map(|(k, p)| (k.as_str(), p))
    }
    pub fn len(&self) -> usize {
        self.models.len()
    }
    pub fn is_empty(&self) -> bool {
        self.models.is_empty()
    }
}
pub fn turn_cost(p: &Prices, u: &TokenUsage) -> f64 {
    u.input as f64 * p.input
        + u.output as f64 * p.output
        + u.cache_read as f64 * p.cache_read.unwrap_or(p.input)
        + (u.cache_write - u.cache_write_1h) as f64 * p.cache_write.unwrap_or(p.input)
        + u.cache_write_1h as f64 * p.cache_write_1h.or(p.cache_write).unwrap_or(p.input)
}
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CostMode {
    #[default]
    Auto,
    Computed,
    Recorded,
}
impl CostMode {
    pub fn as_str(self) -> &'static str {
        match self {
            CostMode::Auto => "auto",
            CostMode::Computed => "computed",
            CostMode::Recorded => "recorded",
        }
    }
}
impl std::str::FromStr for CostMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(CostMode::Auto),
            "computed" => Ok(CostMode::Computed),
            "recorded" => Ok(CostMode::Recorded),
            _ => Err(format!("unknown cost mode {s}")),
        }
    }
}
