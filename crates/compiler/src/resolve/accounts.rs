//! The declared accounts: their ids, checked, and which one is the default.

use std::collections::BTreeMap;

use iamdsl_diagnostics::{codes, Diagnostic, FileId};
use iamdsl_syntax::ast::{Ident, ItemKind};

use super::{Decl, SymbolKind};
use crate::model::Account;

/// The accounts of the project by name, and the default one (marked `default`, or the only one).
#[derive(Debug, Clone, Default)]
pub(crate) struct Accounts {
    pub by_name: BTreeMap<String, Account>,
    pub default: Option<String>,
}

impl Accounts {
    pub fn resolve(
        decls: &BTreeMap<String, Decl<'_>>,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Accounts {
        let mut accounts = Accounts::default();
        let mut by_id: BTreeMap<String, &Ident> = BTreeMap::new();
        let mut defaults: Vec<(FileId, &Ident)> = Vec::new();
        for decl in decls.values().filter(|d| d.kind == SymbolKind::Account) {
            let ItemKind::Account(account) = &decl.item.kind else {
                continue;
            };
            let id = account.id.as_plain().unwrap_or_default();
            if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
                diagnostics.push(
                    Diagnostic::error(
                        codes::INVALID_ACCOUNT_ID,
                        format!("`{id}` is not an AWS account id"),
                    )
                    .at(
                        decl.file,
                        account.id.span(),
                        "an account id is exactly 12 digits",
                    )
                    .with_help("write the id as a string of 12 digits, such as \"111111111111\""),
                );
            } else if let Some(other) = by_id.get(&id) {
                diagnostics.push(
                    Diagnostic::error(
                        codes::DUPLICATE_ACCOUNT_ID,
                        format!(
                            "accounts `{}` and `{}` have the same id",
                            other.name, account.name.name
                        ),
                    )
                    .at(
                        decl.file,
                        account.id.span(),
                        format!("`{id}` is already `{}`", other.name),
                    )
                    .with_help("use one name per account"),
                );
            } else {
                by_id.insert(id.clone(), &account.name);
            }
            if account.default {
                defaults.push((decl.file, &account.name));
            }
            accounts.by_name.insert(
                account.name.name.clone(),
                Account {
                    name: account.name.name.clone(),
                    id,
                    default: account.default,
                },
            );
        }
        match defaults.as_slice() {
            [] if accounts.by_name.len() == 1 => {
                accounts.default = accounts.by_name.keys().next().cloned()
            }
            [] => {}
            [(_, one)] => accounts.default = Some(one.name.clone()),
            [(_, first), rest @ ..] => {
                for (file, other) in rest {
                    diagnostics.push(
                        Diagnostic::error(
                            codes::AMBIGUOUS_ACCOUNT,
                            format!(
                                "`{}` and `{}` are both marked `default`",
                                first.name, other.name
                            ),
                        )
                        .at(*file, other.span(), "a second default account")
                        .with_help("mark one account `default`"),
                    );
                }
                accounts.default = Some(first.name.clone());
            }
        }
        accounts
    }

    pub fn get(&self, name: &str) -> Option<&Account> {
        self.by_name.get(name)
    }
}
