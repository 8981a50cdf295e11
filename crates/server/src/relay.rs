//! The TURN relay embedded in the server (RFC 5766 over UDP, webrtc-rs's `turn` server), so a
//! call connects when its two devices cannot reach each other directly.
//!
//! Credentials are minted per call and per party: the user name is
//! `EXPIRY:CALL:USER` (seconds since the epoch), the password the base64 HMAC-SHA1 of that name
//! under a secret the process draws at start (the REST convention coturn follows). They are
//! short-lived: a name is accepted until its expiry, and after it only while its call goes on
//! (a TURN client refreshes its allocation with the same name for as long as the call lasts).
//! When the call ends its allocations are deleted at once.

use std::{
    collections::{HashMap, HashSet},
    net::{IpAddr, SocketAddr},
    sync::{Arc, Mutex},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use base64::{Engine, prelude::BASE64_STANDARD};
use confer_proto::IceServer;
use ring::hmac;
use turn::{
    auth::{AuthHandler, generate_auth_key},
    relay::relay_static::RelayAddressGeneratorStatic,
    server::{
        Server,
        config::{ConnConfig, ServerConfig},
    },
};

use crate::ServerError;

/// The realm the relay names in its challenges.
const REALM: &str = "confer";

/// Calls whose credentials stay good past their expiry, and the names minted for each.
type Active = Arc<Mutex<HashMap<u64, HashSet<String>>>>;

struct Auth {
    key: hmac::Key,
    active: Active,
}

fn password(key: &hmac::Key, username: &str) -> String {
    BASE64_STANDARD.encode(hmac::sign(key, username.as_bytes()).as_ref())
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl AuthHandler for Auth {
    fn auth_handle(
        &self,
        username: &str,
        realm: &str,
        src: SocketAddr,
    ) -> Result<Vec<u8>, turn::Error> {
        let refuse = |why: &str| {
            tracing::debug!(username, %src, why, "relay credentials refused");
            Err(turn::Error::Other(why.to_owned()))
        };
        let mut parts = username.splitn(3, ':');
        let (Some(expiry), Some(call), Some(_user)) = (parts.next(), parts.next(), parts.next())
        else {
            return refuse("not a Confer relay user name");
        };
        let (Ok(expiry), Ok(call)) = (expiry.parse::<u64>(), call.parse::<u64>()) else {
            return refuse("not a Confer relay user name");
        };
        let going_on = self
            .active
            .lock()
            .expect("relay calls poisoned")
            .contains_key(&call);
        if expiry < now_secs() && !going_on {
            return refuse("expired");
        }
        Ok(generate_auth_key(
            username,
            realm,
            &password(&self.key, username),
        ))
    }
}

/// The running relay.
pub(crate) struct Relay {
    server: Server,
    /// Where it listens (its port goes into the credentials' URL).
    addr: SocketAddr,
    advertised: IpAddr,
    key: hmac::Key,
    lifetime: Duration,
    active: Active,
}

impl Relay {
    /// Listens on `bind` (UDP) and relays through `advertised`, the address peers reach it at.
    pub(crate) async fn start(
        bind: SocketAddr,
        advertised: IpAddr,
        lifetime: Duration,
    ) -> Result<Self, ServerError> {
        let socket = tokio::net::UdpSocket::bind(bind)
            .await
            .map_err(|e| ServerError::Config(format!("the TURN relay cannot use {bind}: {e}")))?;
        let addr = socket.local_addr()?;
        let secret: [u8; 32] = rand::random();
        let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, &secret);
        let active: Active = Arc::default();
        let server = Server::new(ServerConfig {
            conn_configs: vec![ConnConfig {
                conn: Arc::new(socket),
                relay_addr_generator: Box::new(RelayAddressGeneratorStatic {
                    relay_address: advertised,
                    address: bind.ip().to_string(),
                    net: Arc::new(webrtc_util::vnet::net::Net::new(None)),
                }),
            }],
            realm: REALM.to_owned(),
            auth_handler: Arc::new(Auth {
                key: key.clone(),
                active: active.clone(),
            }),
            channel_bind_timeout: Duration::ZERO,
            alloc_close_notify: None,
        })
        .await
        .map_err(|e| ServerError::Config(format!("the TURN relay did not start: {e}")))?;
        tracing::info!(%addr, %advertised, "TURN relay listening");
        Ok(Self {
            server,
            addr,
            advertised,
            key,
            lifetime,
            active,
        })
    }

    /// Credentials for `user` in `call`, good for a short while and for as long as the call
    /// goes on.
    pub(crate) fn credentials(&self, call: u64, user: &str) -> IceServer {
        let username = format!("{}:{call}:{user}", now_secs() + self.lifetime.as_secs());
        self.active
            .lock()
            .expect("relay calls poisoned")
            .entry(call)
            .or_default()
            .insert(username.clone());
        IceServer {
            urls: vec![format!(
                "turn:{}?transport=udp",
                SocketAddr::new(self.advertised, self.addr.port())
            )],
            credential: password(&self.key, &username),
            username,
        }
    }

    /// The call is over: its credentials expire as minted, and its allocations go now.
    pub(crate) async fn call_over(&self, call: u64) {
        let names = self
            .active
            .lock()
            .expect("relay calls poisoned")
            .remove(&call)
            .unwrap_or_default();
        for name in names {
            if let Err(e) = self.server.delete_allocations_by_username(name).await {
                tracing::debug!(error = %e, "deleting a call's relay allocations failed");
            }
        }
    }

    /// Stops relaying.
    pub(crate) async fn close(&self) {
        if let Err(e) = self.server.close().await {
            tracing::warn!(error = %e, "the TURN relay did not close cleanly");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth() -> Auth {
        Auth {
            key: hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, b"secret"),
            active: Arc::default(),
        }
    }

    #[test]
    fn credentials_hold_until_expiry_or_while_their_call_goes_on() {
        let a = auth();
        let src: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let later = format!("{}:7:alice", now_secs() + 60);
        let expired = format!("{}:7:alice", now_secs() - 60);
        let key = a.auth_handle(&later, REALM, src).unwrap();
        assert_eq!(
            key,
            generate_auth_key(&later, REALM, &password(&a.key, &later))
        );
        assert!(a.auth_handle(&expired, REALM, src).is_err());
        a.active.lock().unwrap().entry(7).or_default();
        assert!(
            a.auth_handle(&expired, REALM, src).is_ok(),
            "call 7 goes on"
        );
        for bad in ["alice", "soon:7:alice", "123:x:alice", "123:7"] {
            assert!(a.auth_handle(bad, REALM, src).is_err(), "{bad}");
        }
    }
}
