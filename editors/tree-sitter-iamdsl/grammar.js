/**
 * @file Tree-sitter grammar for iamdsl (AWS IAM identity as code), for editors' highlighting.
 * @license Apache-2.0
 *
 * grammar/iamdsl.pest is the language's one grammar and iamdsl's own parser its authority; this
 * grammar follows it rule by rule (the names in comments are pest's) and is more lenient where
 * leniency costs nothing: reserved words are not enforced and doc comments may stand anywhere.
 * Every file iamdsl parses must parse here without an error node (tested by
 * crates/tree-sitter-iamdsl), and the keywords must be the words of the one keyword list,
 * iamdsl_syntax::lexer::GRAMMAR_WORDS (tested there and by crates/xtask/tests/editor_keywords.rs).
 * Regenerate src/ with ./generate.sh after an edit.
 */

/// <reference types="tree-sitter-cli/dsl" />
// @ts-check

const commaSep1 = (rule) => seq(rule, repeat(seq(',', rule)));
const commaSepTrailing1 = (rule) => seq(commaSep1(rule), optional(','));

module.exports = grammar({
  name: 'iamdsl',

  // Keywords are contextual (pest: only `reserved` words are not names): a word is a keyword only
  // where the parse state accepts that keyword, so `admin`, `list` or `role` stay names elsewhere.
  word: ($) => $.identifier,

  extras: ($) => [/[\s\uFEFF]/, $.comment, $.doc_comment],

  // `when mfa in …` is a key named `mfa` compared, or the clause `mfa` before an `in` block at the
  // top level: pest backtracks, and so does this parser (both are tried; the one that fails goes).
  conflicts: ($) => [[$._clause, $._condition_key]],

  rules: {
    // file
    source_file: ($) => repeat($._item),

    // item
    _item: ($) =>
      choice(
        $.account_declaration,
        $.let_declaration,
        $.policy_declaration,
        $.template_declaration,
        $.group_declaration,
        $.user_declaration,
        $.role_declaration,
        $.resource_declaration,
        $.placement_block,
        $.expect_declaration,
        $.org_policy_declaration,
        $.organization_declaration,
      ),

    account_declaration: ($) =>
      seq(
        optional($._attributes),
        'account',
        field('name', $.identifier),
        '=',
        field('id', $.string),
        optional('default'),
      ),

    let_declaration: ($) =>
      seq(optional($._attributes), 'let', field('name', $.identifier), '=', field('value', $._value)),

    policy_declaration: ($) => entity($, 'policy'),
    group_declaration: ($) => entity($, 'group'),
    user_declaration: ($) => entity($, 'user'),
    role_declaration: ($) => entity($, 'role'),

    // resource_decl: `resource logs = s3.bucket("acme-logs") { … }`; without a block, no policy.
    resource_declaration: ($) =>
      seq(
        optional($._attributes),
        'resource',
        field('name', $.identifier),
        optional($.placement),
        '=',
        field('kind', $.constructor),
        optional(field('body', $.block)),
      ),

    // org_policy_decl: `scp deny_leaving { … }`, `rcp perimeter { … }`
    org_policy_declaration: ($) =>
      seq(
        optional($._attributes),
        field('kind', choice('scp', 'rcp')),
        field('name', $.identifier),
        field('body', $.block),
      ),

    // organization_decl: `organization acme { management = root_account; ou workloads { … } }`
    organization_declaration: ($) =>
      seq(optional($._attributes), 'organization', field('name', $.identifier), field('body', $.block)),

    template_declaration: ($) =>
      seq(
        optional($._attributes),
        'template',
        field('name', $.identifier),
        '(',
        optional($.parameters),
        ')',
        field('body', $.block),
      ),

    // in_block
    placement_block: ($) =>
      seq(optional($._attributes), 'in', field('account', $.identifier), '{', repeat($._item), '}'),

    placement: ($) => seq('in', field('account', $.identifier)),

    parameters: ($) => commaSepTrailing1($.parameter),
    parameter: ($) => seq(field('name', $.identifier), optional(seq('=', field('default', $._value)))),

    block: ($) => seq('{', repeat($._statement), '}'),

    // stmt
    _statement: ($) =>
      choice(
        $.permission,
        $.attach_statement,
        $.assume_statement,
        $.use_statement,
        $.trust_block,
        $.boundary_statement,
        $.unit_statement,
        $.member_statement,
        $.property,
        $.instance_profile,
      ),

    // ou_stmt: `ou workloads { … }`
    unit_statement: ($) =>
      seq(optional($._attributes), 'ou', field('name', $.identifier), field('body', $.block), optional(';')),
    // member_stmt: `account prod`, `account sandbox { attach sandbox_limits }`
    member_statement: ($) =>
      seq(
        optional($._attributes),
        'account',
        field('account', $.identifier),
        optional(field('body', $.block)),
        optional(';'),
      ),

    permission: ($) =>
      seq(
        optional($._attributes),
        field('effect', choice('allow', 'deny')),
        $.action_list,
        // In a resource's policy `to` names who is let in, and `on` may be left out.
        choice(seq('on', $.resource_list, optional($.principals)), $.principals),
        optional($.condition),
        optional($.until),
        optional(';'),
      ),

    principals: ($) => seq('to', commaSep1($._principal)),

    action_list: ($) => seq(commaSep1($._action_item), optional($.except_actions)),
    except_actions: ($) => seq('except', commaSep1($._action_item)),
    _action_item: ($) => choice($.action, $.access_level, $.wildcard),
    access_level: (_) => choice('list', 'read', 'write', 'tagging', 'permissions'),
    // action_pattern: `s3:GetObject`, `s3:Get*`, `s3:*`, `ec2:Describe?pc*`
    action: (_) => token(/[A-Za-z0-9*][A-Za-z0-9_*-]*:[A-Za-z0-9*?_-]+/),

    resource_list: ($) => seq(commaSep1($._resource), optional($.except_resources)),
    except_resources: ($) => seq('except', commaSep1($._resource)),
    // A declared resource by name (`on logs`), or a resource named `arn`.
    _resource: ($) =>
      choice($.wildcard, $.arn, $.constructor, $.identifier, alias('arn', $.identifier)),
    arn: ($) => seq('arn', '(', $.string, ')'),
    constructor: ($) =>
      seq(
        field('service', $.identifier),
        '.',
        field('type', $.identifier),
        '(',
        optional($.arguments),
        ')',
      ),

    arguments: ($) => commaSepTrailing1(choice($.named_argument, $._value)),
    named_argument: ($) => seq(field('name', $.identifier), ':', field('value', $._value)),

    condition: ($) => seq('when', $._clause, repeat(seq('and', $._clause))),
    _clause: ($) => choice($.comparison, $.existence, $.operator_call, 'mfa'),
    comparison: ($) =>
      seq(
        optional(field('quantifier', choice('any', 'all'))),
        field('key', $._condition_key),
        optional(field('if_exists', '?')),
        field('operator', $._operator),
        field('value', $._value),
      ),
    existence: ($) => seq(field('key', $._condition_key), optional('not'), 'exists'),
    // raw_operator: any AWS operator by its own name, `StringEqualsIgnoreCase(aws:username, "bob")`.
    // Its name lexes as a key does (`ForAnyValue:StringEquals`), and `(` tells them apart.
    operator_call: ($) =>
      seq(
        field(
          'operator',
          choice(alias($.identifier, $.operator_name), alias($._qualified_key, $.operator_name)),
        ),
        '(',
        field('key', $._condition_key),
        ',',
        field('value', $._value),
        ')',
      ),
    // A key named `mfa` is a comparison's (`mfa == true`), as pest tries a comparison first.
    _condition_key: ($) =>
      choice(
        $.string,
        alias($.identifier, $.condition_key),
        alias('mfa', $.condition_key),
        alias($._qualified_key, $.condition_key),
      ),
    // key_name with a `:` or a `.` (`aws:SourceIp`, `aws:RequestTag/team`,
    // `token.actions.githubusercontent.com:sub`); a plain key (`aud`) is an identifier.
    _qualified_key: (_) =>
      token(
        choice(
          /[A-Za-z][A-Za-z0-9._-]*:[A-Za-z0-9._\/-]+/,
          /[A-Za-z][A-Za-z0-9_-]*\.[A-Za-z0-9._-]*/,
        ),
      ),
    _operator: (_) =>
      choice(
        '==',
        '!=',
        '<=',
        '>=',
        '<',
        '>',
        'like',
        seq('not', 'like'),
        'in',
        seq('not', 'in'),
      ),

    until: ($) => seq('until', $.date),

    attach_statement: ($) =>
      seq(optional($._attributes), 'attach', field('policy', $._policy_ref), optional(';')),
    boundary_statement: ($) =>
      seq(optional($._attributes), 'boundary', field('policy', $._policy_ref), optional(';')),
    // `attach aws "ReadOnlyAccess"`, or a policy named `aws`: pest backtracks, `"` decides here.
    _policy_ref: ($) => choice($.aws_managed_policy, $.identifier, alias('aws', $.identifier)),
    aws_managed_policy: ($) => seq('aws', $.string),
    assume_statement: ($) =>
      seq(
        optional($._attributes),
        'assume',
        field('role', $._role_ref),
        optional($.condition),
        optional(';'),
      ),
    use_statement: ($) =>
      seq(
        optional($._attributes),
        'use',
        field('template', $.path),
        '(',
        optional($.arguments),
        ')',
        optional(';'),
      ),
    // `arn("…")`, or a role named `arn`.
    _role_ref: ($) => choice($.arn, $.identifier, alias('arn', $.identifier)),
    path: ($) => seq($.identifier, repeat(seq('.', $.identifier))),
    // `instance_profile = true` is a property to pest (which the checker rejects), not the flag.
    property: ($) =>
      seq(
        optional($._attributes),
        field('key', choice($.identifier, alias('instance_profile', $.identifier))),
        '=',
        field('value', $._value),
        optional(';'),
      ),
    // flag
    instance_profile: ($) => seq(optional($._attributes), 'instance_profile', optional(';')),

    trust_block: ($) =>
      seq(optional($._attributes), 'trust', '{', repeat($.trust_entry), '}', optional(';')),
    trust_entry: ($) =>
      seq(
        optional($._attributes),
        $._principal,
        optional('tag_session'),
        optional($.condition),
        optional(';'),
      ),
    _principal: ($) =>
      choice(
        $.service_principal,
        $.account_principal,
        $.role_principal,
        $.user_principal,
        $.saml_principal,
        $.oidc_principal,
        $.org_principal,
        $.wildcard,
      ),
    service_principal: ($) => seq('service', choice($.string, $.service_name)),
    account_principal: ($) => seq('account', choice($.string, $.identifier)),
    role_principal: ($) => seq('role', $._role_ref),
    user_principal: ($) => seq('user', $._role_ref),
    saml_principal: ($) => seq('saml', choice($.string, $.identifier)),
    oidc_principal: ($) => seq('oidc', choice($.string, $.identifier)),
    org_principal: ($) => seq('org', choice($.string, $.identifier)),
    service_name: (_) => token(/[A-Za-z0-9][A-Za-z0-9.-]*/),

    // expect_decl
    expect_declaration: ($) =>
      seq(
        optional($._attributes),
        'expect',
        choice($._expect_escalation, $._expect_assume, $._expect_access),
      ),
    _expect_escalation: (_) => seq('no', 'escalation', 'to', 'admin'),
    // A principal named `no` (`expect no can …`) as well as `expect no escalation to admin`.
    _expect_principal: ($) => choice($.identifier, alias('no', $.identifier)),
    _expect_assume: ($) =>
      seq(
        field('principal', $._expect_principal),
        $.verdict,
        'assume',
        field('role', $.identifier),
        optional($.condition),
      ),
    _expect_access: ($) =>
      seq(
        field('principal', $._expect_principal),
        $.verdict,
        commaSep1($._action_item),
        'on',
        field('resource', $._resource),
        optional($.condition),
      ),
    verdict: (_) => choice('can', 'cannot'),

    // prefix*: every declaration, statement and trust entry may stand after attributes (one rule,
    // so that which of them follows is decided by the keyword after the attributes).
    _attributes: ($) => repeat1($.attribute),

    // attribute: its words may be reserved words (`#[allow(…)]`), which the contextual keywords
    // allow for free.
    attribute: ($) =>
      seq(
        '#[',
        field('name', $.identifier),
        optional(seq('(', commaSepTrailing1(field('argument', $.identifier)), ')')),
        ']',
      ),

    // value
    _value: ($) =>
      choice(
        $.string,
        $.boolean,
        $.identifier,
        $.duration,
        $.date,
        $.number,
        $.list,
        $.map,
        $.wildcard,
      ),
    list: ($) => seq('[', optional(commaSepTrailing1($._value)), ']'),
    // `{ team: "payments", "cost-center": "4711" }`: tags.
    map: ($) => seq('{', optional(commaSepTrailing1($.map_entry)), '}'),
    map_entry: ($) =>
      seq(field('key', choice($.identifier, $.string)), ':', field('value', $._value)),

    string: ($) =>
      seq(
        '"',
        repeat(choice($.interpolation, $.escape_sequence, $.policy_variable, $.string_content)),
        token.immediate('"'),
      ),
    // Above comments and whitespace, so that `"// x"` and `" x"` are text.
    string_content: (_) => token.immediate(prec(1, /([^"\\$\n]+|\$)/)),
    // `${name}` interpolates; anything else in `${…}` is an IAM policy variable, kept as written.
    interpolation: (_) => token.immediate(prec(3, /\$\{[A-Za-z_][A-Za-z0-9_-]*\}/)),
    policy_variable: (_) => token.immediate(prec(2, /\$\{[^}"\n]*\}/)),
    escape_sequence: (_) => token.immediate(prec(1, /\\(["\\ntr$]|u\{[0-9A-Fa-f]{1,6}\})/)),

    date: (_) =>
      token(
        /\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:\d{2}))?/,
      ),
    duration: (_) => token(/(\d+[dhms])+/),
    number: (_) => token(/\d+/),
    boolean: (_) => choice('true', 'false'),
    wildcard: (_) => '*',

    identifier: (_) => /[A-Za-z_][A-Za-z0-9_-]*/,

    // COMMENT: `//` and `////…` are comments, `///` a doc comment.
    comment: (_) =>
      token(
        choice(
          /\/\/([^\/\n][^\n]*|\/\/[^\n]*)?/,
          seq('/*', /[^*]*\*+([^/*][^*]*\*+)*/, '/'),
        ),
      ),
    doc_comment: (_) => token(/\/\/\/([^\/\n][^\n]*)?/),
  },
});

/**
 * `policy`, `group`, `user` and `role`: a keyword, a name, an optional placement and a block.
 * @param {GrammarSymbols<string>} $
 * @param {string} keyword
 */
function entity($, keyword) {
  return seq(
    optional($._attributes),
    keyword,
    field('name', $.identifier),
    optional($.placement),
    field('body', $.block),
  );
}
