//! Rules and the lexicon: checking queries against the lexicon as the user changed it,
//! the concepts and their spellings, and the rules themselves with their tests.

use super::Engine;
use crate::error::{Error, Result};
use crate::model::{EngineEvent, QueryProblem, Rule, RuleDraft, RuleId, RuleScope, RuleTest};
use crate::rules::lexicon::{self, Concept, LexiconChange};
use crate::rules::Query;

impl Engine {
    // ---- Rules ----

    /// Checks a query against the lexicon as the user changed it (the one saving a rule
    /// uses, so the live check and saving agree); `None` when it is valid.
    pub fn validate_query(&self, query: &str) -> Result<Option<QueryProblem>> {
        Ok(Query::parse_with(query, &self.store().lexicon()?).err())
    }

    /// Parses a query with the lexicon of concepts as the user changed it.
    pub(super) fn parse_query(&self, query: &str) -> Result<Query> {
        Query::parse_with(query, &self.store().lexicon()?).map_err(Error::InvalidQuery)
    }

    /// An article search's query in the rule language; empty: none.
    pub(super) fn parse_article_query(&self, query: &str) -> Result<Option<Query>> {
        if query.trim().is_empty() {
            return Ok(None);
        }
        self.parse_query(query).map(Some)
    }

    // ---- Lexicon ----

    /// The concepts a query can name (`@name`), each with its spellings across scripts.
    pub fn concepts(&self) -> Result<Vec<Concept>> {
        Ok(self.store().lexicon()?.concepts())
    }

    /// Adds a spelling to a concept (a new concept if none has that name). Rules naming it
    /// match the spelling from the next article on.
    pub fn add_concept_variant(&self, concept: &str, variant: &str) -> Result<()> {
        self.change_lexicon(concept, variant, true)
    }

    /// Removes a spelling from a concept, a shipped one too. A concept left without
    /// spellings is unknown: rules naming it are reported as needing a fix.
    pub fn remove_concept_variant(&self, concept: &str, variant: &str) -> Result<()> {
        self.change_lexicon(concept, variant, false)
    }

    fn change_lexicon(&self, concept: &str, variant: &str, added: bool) -> Result<()> {
        let concept = concept.trim().trim_start_matches('@').to_lowercase();
        lexicon::check_name(&concept)?;
        let variant = variant.trim();
        if added {
            lexicon::check_variant(variant)?;
        }
        self.store().change_lexicon(&LexiconChange {
            concept,
            variant: variant.to_string(),
            added,
        })?;
        self.reload_rules()?;
        self.events().emit(EngineEvent::RulesChanged);
        Ok(())
    }

    fn check_draft(&self, draft: &RuleDraft) -> Result<()> {
        if draft.name.trim().is_empty() {
            return Err(Error::InvalidRule("a rule needs a name".into()));
        }
        if draft.renotify_outlets.is_some_and(|n| n < 2) {
            return Err(Error::InvalidRule(
                "notify again at 2 outlets or more (a story starts with one)".into(),
            ));
        }
        self.parse_query(&draft.query)?;
        let feeds = self.store().feeds()?;
        for id in &draft.scope.feeds {
            if !feeds.iter().any(|f| f.id == *id) {
                return Err(Error::InvalidRule(format!(
                    "feed {id} in the rule's scope does not exist"
                )));
            }
        }
        Ok(())
    }

    /// Saves a new rule; an invalid query saves nothing.
    pub fn add_rule(&self, draft: &RuleDraft) -> Result<Rule> {
        self.check_draft(draft)?;
        let rule = self.store().add_rule(draft, self.now())?;
        self.reload_rules()?;
        self.events().emit(EngineEvent::RulesChanged);
        Ok(rule)
    }

    /// Changes a rule; an invalid query changes nothing.
    pub fn update_rule(&self, id: RuleId, draft: &RuleDraft) -> Result<Rule> {
        self.check_draft(draft)?;
        let rule = self.store().update_rule(id, draft)?;
        self.reload_rules()?;
        self.events().emit(EngineEvent::RulesChanged);
        Ok(rule)
    }

    /// Deletes a rule and its alerts.
    pub fn remove_rule(&self, id: RuleId) -> Result<()> {
        self.store().remove_rule(id)?;
        self.reload_rules()?;
        self.events().emit(EngineEvent::RulesChanged);
        Ok(())
    }

    /// All rules, each with the problem of its query if it no longer parses.
    pub fn rules(&self) -> Result<Vec<Rule>> {
        let mut rules = self.store().rules()?;
        let lexicon = self.store().lexicon()?;
        for rule in &mut rules {
            rule.problem = Query::parse_with(&rule.query, &lexicon).err();
        }
        Ok(rules)
    }

    /// What `query` would have matched in the last `days` days within `scope`.
    pub fn test_rule(&self, query: &str, scope: &RuleScope, days: u32) -> Result<RuleTest> {
        let parsed = self.parse_query(query)?;
        let days = days.clamp(1, 3650);
        let since = self.now() - chrono::Duration::days(days as i64);
        self.store().rule_test(&parsed, scope, since, days, 5)
    }
}
