//! The domain layer's first modules: rules that know neither SQL nor WebSockets, called by the
//! store and the front ends so that each is written once. Authorization ([`authz`]), chat and
//! ticks ([`chat`]), people's settings and favourites ([`people`]) and the rule for names
//! ([`names`]) are here; the other rules still live in the SQLite store's ops
//! and move here domain by domain (see ARCHITECTURE.md).

pub(crate) mod authz;
pub(crate) mod chat;
pub(crate) mod names;
pub(crate) mod people;
