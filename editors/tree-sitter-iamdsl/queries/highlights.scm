; Highlights for iamdsl. The original is editors/tree-sitter-iamdsl/queries/highlights.scm, in the
; capture names of Neovim and the tree-sitter CLI; editors/neovim/queries/iamdsl/ holds a copy and
; editors/helix/runtime/queries/iamdsl/ the same in Helix's names, both written from it by
; `IAMDSL_BLESS=1 cargo test -p tree-sitter-iamdsl --test grammar` (which holds the mapping).
; No two patterns capture the same node (tested), so their order does not matter: Neovim and
; Helix give precedence differently.

(comment) @comment

(doc_comment) @comment.documentation

(attribute) @attribute

; Keywords. Every keyword of grammar/iamdsl.pest is a token of this grammar (tested).
[
  "account"
  "let"
  "policy"
  "template"
  "group"
  "user"
  "role"
  "resource"
  "default"
  "allow"
  "deny"
  "on"
  "except"
  "when"
  "until"
  "attach"
  "boundary"
  "aws"
  "assume"
  "use"
  "trust"
  "service"
  "saml"
  "oidc"
  "org"
  "scp"
  "rcp"
  "organization"
  "ou"
  "tag_session"
  "instance_profile"
  "expect"
  "no"
  "escalation"
  "to"
  "admin"
] @keyword

(verdict) @keyword

(placement
  "in" @keyword)

(placement_block
  "in" @keyword)

(comparison
  "in" @keyword.operator)

[
  "and"
  "not"
  "like"
  "exists"
  "any"
  "all"
] @keyword.operator

; The properties a declaration may set (the compiler's list; docs/language.md, "Properties").
; Any other key is an error, and looks different.
((property
  key: (identifier) @keyword)
  (#any-of? @keyword "name" "path" "description" "max_session" "groups" "tags"))

((property
  key: (identifier) @property)
  (#not-any-of? @property "name" "path" "description" "max_session" "groups" "tags"))

; Actions, access levels, resources.
(action) @function

(access_level) @constant.builtin

"mfa" @constant.builtin

(wildcard) @constant.builtin

"arn" @function.builtin

(constructor
  service: (identifier) @module
  type: (identifier) @constructor)

; Conditions.
(condition_key) @variable.builtin

(operator_name) @function.builtin

; Declarations and the names that refer to them.
(account_declaration
  name: (identifier) @constant)

(let_declaration
  name: (identifier) @constant)

(policy_declaration
  name: (identifier) @type.definition)

(group_declaration
  name: (identifier) @type.definition)

(user_declaration
  name: (identifier) @type.definition)

(role_declaration
  name: (identifier) @type.definition)

(resource_declaration
  name: (identifier) @type.definition)

(org_policy_declaration
  name: (identifier) @type.definition)

(organization_declaration
  name: (identifier) @type.definition)

(unit_statement
  name: (identifier) @type.definition)

(template_declaration
  name: (identifier) @function)

(parameter
  name: (identifier) @variable.parameter)

(placement
  account: (identifier) @constant)

(placement_block
  account: (identifier) @constant)

(attach_statement
  policy: (identifier) @type)

(boundary_statement
  policy: (identifier) @type)

(assume_statement
  role: (identifier) @type)

(expect_declaration
  principal: (identifier) @type)

(expect_declaration
  role: (identifier) @type)

; A declared resource by name: `on logs`.
(resource_list
  (identifier) @type)

(except_resources
  (identifier) @type)

(expect_declaration
  resource: (identifier) @type)

(account_principal
  (identifier) @constant)

(role_principal
  (identifier) @type)

(user_principal
  (identifier) @type)

(saml_principal
  (identifier) @variable)

(oidc_principal
  (identifier) @variable)

(org_principal
  (identifier) @variable)

(service_principal
  (service_name) @string.special)

; `use std.s3.read_only(…)`: the modules, then the template.
(path
  (identifier) @module
  .
  (identifier))

(path
  (identifier) @function.call .)

(named_argument
  name: (identifier) @variable.parameter)

(map_entry
  key: (identifier) @property)

; A name where a value goes.
(let_declaration
  value: (identifier) @variable)

(parameter
  default: (identifier) @variable)

(property
  value: (identifier) @variable)

(list
  (identifier) @variable)

(arguments
  (identifier) @variable)

(named_argument
  value: (identifier) @variable)

(map_entry
  value: (identifier) @variable)

(comparison
  value: (identifier) @variable)

(operator_call
  value: (identifier) @variable)

; Values.
(string) @string

(escape_sequence) @string.escape

(interpolation) @string.special

(policy_variable) @variable.builtin

[
  (number)
  (duration)
  (date)
] @number

(boolean) @boolean

; Punctuation and operators.
[
  "("
  ")"
  "{"
  "}"
  "["
  "]"
] @punctuation.bracket

[
  ","
  "."
  ":"
  ";"
] @punctuation.delimiter

[
  "="
  "=="
  "!="
  "<="
  ">="
  "<"
  ">"
  "?"
] @operator
