//! The AWS side of iamdsl: the policy document model the compiler produces; its canonical JSON
//! form (`canonical`), with the quota size AWS counts; the authorization-details shape AWS
//! prints (`authz`) and a reader of every shape deployed state comes in (`reader`); and AWS's
//! request evaluation: `eval` decides one request against the policies that apply (explicit
//! deny, SCPs, resource policies, boundaries, session policies, conditions, policy variables),
//! and `access` reads authorization details into principals with their policies, to answer
//! `explain`, `who-can`, `expect` and assume-role chains.

pub mod access;
pub mod authz;
pub mod canonical;
mod document;
pub mod eval;
pub mod json;
mod name_set;
pub mod organization;
pub mod reader;

pub use document::{
    ActionBlock, Conditions, Effect, Origin, PolicyDocument, Principals, ResourceBlock, Statement,
};
pub use name_set::NameSet;

/// The properties the fuzz targets check (`fuzz/`), also replayed on the committed corpus by
/// the test suite (`tests/fuzz/`): one implementation for both. Each panics when it fails.
#[doc(hidden)]
pub mod fuzzing {
    use crate::canonical::to_canonical_json;
    use crate::reader::read_policy_text;

    /// The policy reader never panics; what it reads, canonical, reads back to the same bytes.
    pub fn policy_json(data: &[u8]) {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let Ok(document) = read_policy_text(text) else {
            return;
        };
        let canonical = to_canonical_json(&document);
        let again = read_policy_text(&canonical);
        assert_eq!(again.map(|d| to_canonical_json(&d)), Ok(canonical));
    }

    /// The reader of deployed state never panics, whatever it is given.
    pub fn authorization_details(data: &[u8]) {
        if let Ok(text) = std::str::from_utf8(data) {
            let _ = crate::authz::AuthorizationDetails::read(text);
        }
    }
}
