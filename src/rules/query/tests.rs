//! Parser tests: the grammar, its refusals, concepts and language filters.

use super::*;

fn err(q: &str) -> QueryProblem {
    Query::parse(q).expect_err(q)
}

fn phrase(words: &[&str], scope: Scope) -> Node {
    if let [w] = words {
        let mut node = Node::term(text::stem(&text::fold(w)));
        if let Node::Term { scope: s, .. } = &mut node {
            *s = scope;
        }
        return node;
    }
    let mut node = Node::phrase(words.iter().map(|w| text::fold(w)).collect());
    if let Node::Phrase { scope: s, .. } = &mut node {
        *s = scope;
    }
    node
}

#[test]
fn words_are_anded_and_or_binds_looser() {
    let q = Query::parse("ceasefire India OR Pakistan").unwrap();
    assert_eq!(
        q.root,
        Node::Or(vec![
            Node::And(vec![
                phrase(&["ceasefire"], Scope::Any),
                phrase(&["india"], Scope::Any)
            ]),
            phrase(&["pakistan"], Scope::Any)
        ])
    );
}

#[test]
fn fields_apply_to_groups_and_minus_negates() {
    let q = Query::parse("title:(ceasefire OR truce) -cricket").unwrap();
    assert_eq!(
        q.root,
        Node::And(vec![
            Node::Or(vec![
                phrase(&["ceasefire"], Scope::Title),
                phrase(&["truce"], Scope::Title)
            ]),
            Node::Not(Box::new(phrase(&["cricket"], Scope::Any)))
        ])
    );
}

#[test]
fn hyphenated_and_chinese_words_become_phrases() {
    let q = Query::parse("India-Pakistan 王毅").unwrap();
    assert_eq!(
        q.root,
        Node::And(vec![
            phrase(&["india", "pakistan"], Scope::Any),
            phrase(&["王", "毅"], Scope::Any)
        ])
    );
}

#[test]
fn near_and_prefix_parse() {
    let q = Query::parse("NEAR(Wang ceasefire, 5) negotiat*").unwrap();
    assert_eq!(
        q.root,
        Node::And(vec![
            Node::Near {
                stems: vec!["wang".into(), "ceasefir".into()],
                distance: 5,
                scope: Scope::Any
            },
            Node::Prefix {
                prefix: "negotiat".into(),
                scope: Scope::Any
            }
        ])
    );
}

#[test]
fn errors_say_where() {
    assert_eq!(err("(ceasefire OR truce").start, 0);
    let e = err("ceasefire AND");
    assert_eq!((e.start, e.end), (10, 13), "{e:?}");
    assert!(err("ceasefire)").message.contains("closing parenthesis"));
    assert!(err("\"open phrase").message.contains("never closed"));
    assert!(err("NOT cricket").message.contains("only excludes"));
    assert!(err("ceasefire OR -cricket")
        .message
        .contains("only excludes"));
    assert!(err("   ").message.contains("empty"));
    assert!(err("a* ").message.contains("two letters"));
    assert!(err("NEAR(a)").message.contains("two different words"));
    assert!(err("title:").message.contains("needs a word"));
    assert!(err("!!!").message.contains("no letters"));
}

#[test]
fn error_offsets_count_characters_not_bytes() {
    let e = err("पाकिस्तान )");
    assert_eq!(e.start, 10, "{e:?}");
}

#[test]
fn a_concept_is_any_of_its_variants_in_every_script() {
    let q = Query::parse("@ceasefire").unwrap();
    let Node::Or(variants) = &q.root else {
        panic!("an OR of variants: {:?}", q.root)
    };
    assert!(variants.contains(&Node::term("ceasefir".into())), "by stem");
    assert!(variants.contains(&Node::phrase(vec!["cease".into(), "fire".into()])));
    assert!(variants.contains(&Node::phrase(vec!["جنگ".into(), "بندی".into()])));
    assert!(variants.contains(&Node::phrase(vec!["停".into(), "火".into()])));
    assert!(variants.contains(&Node::term("युद्धविराम".into())));
    // A field applies to every variant; any case names the concept.
    let titled = Query::parse("title:@Ceasefire").unwrap();
    let Node::Or(scoped) = &titled.root else {
        panic!("{:?}", titled.root)
    };
    assert_eq!(scoped.len(), variants.len());
    assert!(scoped.iter().all(|n| matches!(
        n,
        Node::Term {
            scope: Scope::Title,
            ..
        } | Node::Phrase {
            scope: Scope::Title,
            ..
        }
    )));
    // Two concepts with a word, as the default rule writes them.
    let q = Query::parse("@ceasefire (@india OR @pakistan) -cricket").unwrap();
    assert!(matches!(&q.root, Node::And(items) if items.len() == 3));
}

#[test]
fn concepts_are_refused_where_unknown_or_inside_near() {
    let e = err("ceasefire @nowhere");
    assert!(e.message.contains("@nowhere"), "{}", e.message);
    assert_eq!((e.start, e.end), (10, 18));
    assert!(err("NEAR(@ceasefire wang)").message.contains("concepts"));
}

#[test]
fn a_lexicon_of_the_users_own_is_used_when_given() {
    use crate::rules::lexicon::LexiconChange;
    let lexicon = Lexicon::shipped().with_changes(&[LexiconChange {
        concept: "siachen".into(),
        variant: "Siachen Glacier".into(),
        added: true,
    }]);
    let q = Query::parse_with("@siachen", &lexicon).unwrap();
    assert_eq!(
        q.root,
        Node::phrase(vec!["siachen".into(), "glacier".into()])
    );
    assert!(
        Query::parse("@siachen").is_err(),
        "not in the shipped lexicon"
    );
}

#[test]
fn a_language_filter_narrows_the_whole_query() {
    let q = Query::parse("lang:ur @ceasefire").unwrap();
    assert_eq!(q.langs, Some(vec!["ur".to_string()]));
    assert!(matches!(q.root, Node::Or(_)), "the filter is not a node");
    let q = Query::parse("ceasefire lang:UR,hi AND lang:hi,zh").unwrap();
    assert_eq!(q.langs, Some(vec!["hi".to_string()]), "filters intersect");
    assert_eq!(q.root, Node::term("ceasefir".into()));
    let q = Query::parse("lang:zh AND 停火").unwrap();
    assert_eq!(q.langs, Some(vec!["zh".to_string()]));
    assert!(q.admits_lang(Some("zh")) && !q.admits_lang(Some("ur")) && !q.admits_lang(None));
    assert!(Query::parse("ceasefire").unwrap().admits_lang(None));
    for (bad, says) in [
        ("lang:ur", "add a word"),
        ("lang:ur -cricket", "excludes"),
        ("(lang:ur ceasefire)", "whole query"),
        ("NOT lang:ur ceasefire", "whole query"),
        ("title:lang:ur ceasefire", "whole query"),
        ("lang:ur ceasefire OR truce", "group the alternatives"),
        ("ceasefire OR lang:ur truce", "group the alternatives"),
        ("lang:u1 ceasefire", "language codes"),
        ("lang: ceasefire", "language codes"),
        ("lang:ur lang:hi ceasefire", "no language"),
    ] {
        let e = err(bad);
        assert!(e.message.contains(says), "{bad}: {}", e.message);
    }
}
