//! Call-associated data (CAD): saving variables with versions, first save wins (R33–R35).

use crate::config::{CAD_VALUE_CHARS_MAX, CadKind};
use crate::core::engine::Engine;
use crate::ids::{AgentId, InteractionId};
use crate::io::{DesktopEvent, Recipient, Record};
use crate::reject::{Rejection, RejectionDetail, Rule, SavedBy};
use std::collections::BTreeMap;

/// Checks a CAD value against its kind (R34: date-times in ISO 8601).
pub(crate) fn check_value(kind: CadKind, value: &str) -> Result<(), String> {
    match kind {
        CadKind::Text => Ok(()),
        CadKind::Number => value
            .parse::<f64>()
            .map(|_| ())
            .map_err(|_| format!("{value:?} is not a number")),
        CadKind::Boolean => match value {
            "true" | "false" => Ok(()),
            _ => Err(format!("{value:?} is not true or false")),
        },
        CadKind::DateTime => {
            if value.is_empty() || crate::core::views::is_iso8601(value) {
                Ok(())
            } else {
                Err(format!(
                    "{value:?} is not an ISO 8601 date-time like 2026-11-25T14:30:00Z"
                ))
            }
        }
    }
}

impl Engine {
    pub(crate) fn save_variables(
        &mut self,
        agent_id: AgentId,
        interaction_id: InteractionId,
        values: BTreeMap<String, String>,
        expected_version: u64,
    ) -> Result<(), Rejection> {
        let interaction = self.owned_call(agent_id, interaction_id, Rule::R22, "edit variables")?;
        for (name, value) in &values {
            let definition = self.config.cad_variables.iter().find(|d| &d.name == name);
            let definition = definition
                .ok_or_else(|| Rejection::invalid(format!("{name}: no such variable")))?;
            if !definition.editable {
                return Err(Rejection::rule(
                    Rule::R34,
                    format!("{name} is not editable"),
                ));
            }
            if value.chars().count() > CAD_VALUE_CHARS_MAX {
                return Err(Rejection::rule(
                    Rule::R34,
                    format!("{name}: at most 256 characters"),
                ));
            }
            check_value(definition.kind, value)
                .map_err(|e| Rejection::rule(Rule::R34, format!("{name}: {e}")))?;
        }
        if interaction.variables_version != expected_version {
            let mut rejection = Rejection::rule(
                Rule::R35,
                format!(
                    "someone saved first (version {} is current, your edit is based on {expected_version}); \
                     review the current values and save again",
                    interaction.variables_version
                ),
            );
            let values = self.visible_variables(interaction);
            let labels = self
                .config
                .cad_variables
                .iter()
                .filter(|d| values.contains_key(&d.name))
                .map(|d| (d.name.clone(), d.label.clone()))
                .collect();
            let saved_by = interaction
                .variables_saved_by
                .map(|(agent, at_unix_ms)| SavedBy {
                    agent,
                    name: self
                        .config
                        .agent(agent)
                        .map_or_else(|| agent.to_string(), |a| a.name.clone()),
                    at_unix_ms,
                });
            rejection.detail = Some(Box::new(RejectionDetail::VariablesConflict {
                version: interaction.variables_version,
                values,
                labels,
                saved_by,
            }));
            return Err(rejection);
        }
        let interaction = self.interactions.get_mut(&interaction_id).expect("exists");
        interaction.variables.extend(values);
        interaction.variables_version += 1;
        interaction.variables_saved_by = Some((agent_id, self.now.unix_ms));
        let version = interaction.variables_version;
        let all = interaction.variables.clone();
        let visible = self.visible_variables(&self.interactions[&interaction_id]);
        for agent in self.participants(interaction_id) {
            self.desktop(
                Recipient::Agent(agent),
                DesktopEvent::VariablesChanged {
                    interaction: interaction_id,
                    version,
                    values: visible.clone(),
                },
            );
        }
        self.record(Record::VariablesSaved {
            interaction: interaction_id,
            version,
            values: all,
            agent: Some(agent_id),
        });
        Ok(())
    }
}
