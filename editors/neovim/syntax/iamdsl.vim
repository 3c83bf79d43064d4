" Vim syntax file for iamdsl (AWS IAM identity as code).
" A regex approximation of grammar/iamdsl.pest, for when the tree-sitter parser is not installed
" (README.md); the language server's diagnostics are the authority. It colours every word of the
" keyword list (iamdsl_syntax::lexer::GRAMMAR_WORDS) and the compiler's property names, and no other
" word: crates/xtask/tests/editor_keywords.rs checks.
if exists("b:current_syntax")
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

syn iskeyword @,48-57,_,192-255,-

" Keywords, as matches rather than `syn keyword` so that a word followed by `:` stays part of a
" condition key or an action (`aws:SourceIp`, `saml:aud`, `account:*`). Contextual words (admin,
" list, role, …) are also valid names; they are coloured as keywords where they usually are.
syn match iamdslDeclaration "\v<(account|let|policy|template|group|user|role|resource|scp|rcp|organization|ou)>:@!"
syn match iamdslEffect      "\v<(allow|deny)>:@!"
syn match iamdslStatement   "\v<(attach|boundary|assume|use|trust|instance_profile)>:@!"
syn match iamdslKeyword     "\v<(on|except|when|until|in|default|aws|arn)>:@!"
syn match iamdslPrincipal   "\v<(service|saml|oidc|org|tag_session)>:@!"
" `to` before the principals a resource's policy lets in: `allow read to role auditor`.
syn match iamdslPrincipal   "\v<to>\ze\s+(role|user|account|service|org|\*)"
syn match iamdslExpect      "\v<(expect|can|cannot)>:@!"
" Only after `expect`: elsewhere `admin` (and `to`, but before principals) is a name like any other.
syn match iamdslExpect      "\v(<expect\s+)@<=<no\s+escalation\s+to\s+admin>"
syn match iamdslOperator    "\v<(and|not|like|exists|any|all)>:@!"
syn match iamdslMfa         "\v<mfa>:@!"
syn match iamdslAccessLevel "\v<(list|read|write|tagging|permissions)>:@!"
syn match iamdslBoolean     "\v<(true|false)>"
" The properties a declaration sets, where a statement starts and before `=` (elsewhere, `name`
" or `path` is any name).
syn match iamdslProperty    "\v(^|[{;])\s*\zs<(name|path|description|max_session|groups|tags)>\ze\s*\=[^=]"
" Templates of the standard library: `use std.s3.read_only(…)`.
syn match iamdslStdPath     "\v<std(\.[A-Za-z_][A-Za-z0-9_-]*)+\ze\s*\("

" Names after a declaration keyword.
syn match iamdslDeclName "\v(<(account|let|policy|template|group|user|role|resource|scp|rcp|organization|ou)\s+)@<=[A-Za-z_][A-Za-z0-9_-]*"

" Resource constructors `s3.bucket(` and condition operators `StringEquals(`.
syn match iamdslConstructor "\v<[A-Za-z_][A-Za-z0-9_-]*\.[A-Za-z_][A-Za-z0-9_-]*\ze\s*\("
syn match iamdslRawOperator "\v<[A-Z][A-Za-z0-9:]*\ze\s*\("

" `s3:GetObject`, `s3:Get*` actions and `aws:SourceIp` condition keys look alike.
syn match iamdslQualified "\v<[A-Za-z0-9*][A-Za-z0-9_*.-]*:[A-Za-z0-9_*?./-]+"

" Values.
syn match iamdslDate     "\v<\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:\d{2}))?>"
syn match iamdslDuration "\v<(\d+[dhms])+>"
syn match iamdslNumber   "\v<\d+>"
syn match iamdslWildcard "\*"
syn match iamdslCompare  "==\|!=\|<=\|>=\|<\|>"

syn region iamdslString start=+"+ skip=+\\\\\|\\"+ end=+"\|$+ contains=iamdslEscape,iamdslInterpolation,iamdslPolicyVar,@Spell
syn match iamdslEscape        +\\\(["\\ntr$]\|u{\x\{1,6}}\)+ contained
syn match iamdslPolicyVar     "\${[^}\"]*}" contained
syn match iamdslInterpolation "\${[A-Za-z_][A-Za-z0-9_-]*}" contained

syn region iamdslAttribute start="#\[" end="\]" oneline

syn keyword iamdslTodo TODO FIXME XXX NOTE contained
syn match   iamdslComment    "//.*$" contains=iamdslTodo,@Spell
syn match   iamdslDocComment "///\(/\)\@!.*$" contains=iamdslTodo,@Spell
syn region  iamdslComment    start="/\*" end="\*/" contains=iamdslTodo,@Spell

hi def link iamdslDeclaration   Keyword
hi def link iamdslEffect        Statement
hi def link iamdslStatement     Statement
hi def link iamdslKeyword       Keyword
hi def link iamdslPrincipal     Keyword
hi def link iamdslExpect        Keyword
hi def link iamdslOperator      Operator
hi def link iamdslCompare       Operator
hi def link iamdslMfa           Constant
hi def link iamdslAccessLevel   Constant
hi def link iamdslBoolean       Boolean
hi def link iamdslProperty      Keyword
hi def link iamdslStdPath       Function
hi def link iamdslDeclName      Identifier
hi def link iamdslConstructor   Function
hi def link iamdslRawOperator   Function
hi def link iamdslQualified     Type
hi def link iamdslDate          Number
hi def link iamdslDuration      Number
hi def link iamdslNumber        Number
hi def link iamdslWildcard      Special
hi def link iamdslString        String
hi def link iamdslEscape        SpecialChar
hi def link iamdslInterpolation Identifier
hi def link iamdslPolicyVar     Special
hi def link iamdslAttribute     PreProc
hi def link iamdslComment       Comment
hi def link iamdslDocComment    SpecialComment
hi def link iamdslTodo          Todo

let b:current_syntax = "iamdsl"

let &cpo = s:cpo_save
unlet s:cpo_save
