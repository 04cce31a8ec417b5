"""Questionnaire engine: questionnaires are YAML data, answered, checked and scored in pure Python.

Why data: an organisation adapts questions, weights and levels without touching code, and every
answer set records the questionnaire id and version it answered (see DESIGN.md). The engine never
touches the database or the UI, so each rule below is unit-tested on its own.

Its parts, each imported from the module that defines it (this package re-exports nothing):

    terms       question types, roles, dimensions, identifiers, the frozen content base
    errors      QuestionnaireError, AnswerError, AnswersFileError
    rules       Rule (visible_if, trigger and floor `when`), FactCondition (floor `screening`)
    model       Questionnaire, Section, Question, choices, grids, triggers, Level, Floor, Scoring
    loading     strict YAML, parse/load one questionnaire, load_all and check_all of a folder
    answers     validate_answer and the normal form of answers; describe_answer for people
    visibility  rules evaluated: visible questions, clean_answers, missing_required, progress
    weights     max_weight and answer_weight of a question, its share per dimension
    scoring     score(): points, mitigation credit, level, floors, triggered risks
    files       answer files (JSON/YAML) written and read back, diff_answers

File format (`data/questionnaires/*.yaml`)::

    id: ai_impact_assessment          # lower-case key, stable across versions
    version: "1.0"                    # a string: quote it
    title: AI system impact assessment
    kind: scored                      # scored (weights -> level) or decision (evaluated elsewhere)
    sections:
      - id: data
        title: Data
        questions:
          - id: data_personal
            text: Does the system use personal data?
            help: Why we ask (required).
            type: yes_no              # see QUESTION_TYPES
            role: impact              # impact (raises the score), mitigation (credit), context
            dimensions: [privacy]     # see DIMENSIONS
            source: ISO/IEC 42005 6.4
            required: true
            yes_weight: 2
            triggers:
              - when: {equals: true}  # a rule; a leaf without `question` tests this question
                risk: {title: ..., description: ..., harm_category: privacy,
                       risk_source: machine_learning, affected_parties: [individuals],
                       likelihood: 3, severity: 3}
    scoring:                          # scored kind only
      levels:                         # ordered; a level applies when share <= max_share
        - {id: I, rank: 1, title: Low, max_share: 0.25, summary: ..., requires: [...]}
      mitigation: {threshold_share: 0.8, reduction: 0.15}
      floors:                         # optional: minimum levels that no score or credit lowers
        - {id: ..., level: III, title: ..., reason: ..., when: <a rule over the answers>}
        - {id: ..., level: IV, title: ..., reason: ..., stop: true,
           screening: {eu_class: [prohibited]}}  # or {fria_required: true} ...

Per type: `choices` (value, label, weight, example, exclusive) for single_choice and
multiple_choice; `yes_weight` / `no_weight` for yes_no; `min`, `max`, `step`, `weight_per_step`,
`scale_labels` for scale (weight = steps above `min` x `weight_per_step`); `min`, `max`, `step`
for number; `max_length` for short_text (200) and long_text (4000); `rows`, `columns` (a column
may carry its own `dimensions`, and `replaces`: the keys it had in earlier versions, whose stored
ratings it takes over), `cell_choices` and `column_heading` (the heading above the column labels)
for grid. Only choice, yes_no, scale and grid questions can be scored.

Levels and floors: the level is first found from the share of the maximum after any mitigation
credit (the points level); each floor that holds then sets a minimum level, so neither a low
score nor the credit can take the level below it. A floor's `when` is a rule over the answers
(it names its questions, may look at any of them, and only sees answers that count); its
`screening` is a condition over the facts of the system's regulatory screening, passed to
`score()` by the caller (none passed: no screening floor applies).

Rules (`visible_if` and trigger `when`), kept deliberately small::

    {question: q, equals: v}       the answer is v (a multiple choice: exactly this list)
    {question: q, in: [v, w]}      the answer is one of these (a multiple choice: any chosen is)
    {question: q, includes: v}     a multiple choice answer contains v
    {question: q, answered: true}  q has an answer (false: it has none)
    {question: q, is_empty: true}  q has no answer
    {question: q, at_least: n}     a number or scale answer is >= n (at_most: <= n)
    {all: [...]}, {any: [...]}, {not: {...}}
    On a grid, `row` and/or `column` pick cells; equals/in hold when any picked cell matches.

A rule may only look at earlier questions (a trigger may also look at its own question). A
question whose rule looks at a hidden question is hidden too, whatever the rule says, so an
answer nobody should have seen never shows, hides or scores anything.

YAML is read with true/false as the only booleans (a choice called `no` stays text) and a
duplicate key is an error rather than a silent overwrite.
"""
