//! Which connection a datagram belongs to, as far as its first bytes tell (RFC 7983).
//!
//! Every participant shares the SFU's one port, and an `RTCPeerConnection` takes whatever it is
//! fed: once its candidate pair is chosen it checks the source of nothing but STUN. So the
//! router must route every datagram itself. Only STUN names its connection (the USERNAME of a
//! request starts with the SFU's ufrag for that participant); everything else is routed by the
//! source address a request was seen from.

use rtc::stun::{attributes::ATTR_USERNAME, message::Message, textattrs::TextAttribute};

/// What a datagram is.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// STUN, with the SFU-side ufrag when it carries a USERNAME (`"<sfu ufrag>:<client
    /// ufrag>"` in a request; responses carry none).
    Stun(Option<String>),
    /// DTLS (handshake, alerts).
    Dtls,
    /// SRTP or SRTCP.
    Rtp,
    /// Nothing a WebRTC connection takes here (TURN channel data, noise).
    Other,
}

/// Classifies a datagram by its first byte, parsing STUN for its USERNAME.
pub(crate) fn classify(datagram: &[u8]) -> Kind {
    match datagram.first() {
        Some(0..=3) => Kind::Stun(sfu_ufrag(datagram)),
        Some(20..=63) => Kind::Dtls,
        Some(128..=191) => Kind::Rtp,
        _ => Kind::Other,
    }
}

fn sfu_ufrag(datagram: &[u8]) -> Option<String> {
    let mut message = Message::new();
    message.unmarshal_binary(datagram).ok()?;
    let username = TextAttribute::get_from_as(&message, ATTR_USERNAME).ok()?;
    let (local, _remote) = username.text.split_once(':')?;
    Some(local.to_owned())
}

#[cfg(test)]
mod tests {
    use rtc::stun::{
        message::{BINDING_REQUEST, BINDING_SUCCESS, Setter, TransactionId},
        textattrs::Username,
    };

    use super::*;

    fn stun(username: Option<&str>) -> Vec<u8> {
        let mut setters: Vec<Box<dyn Setter>> = vec![Box::new(TransactionId::new())];
        match username {
            Some(name) => {
                setters.push(Box::new(BINDING_REQUEST));
                setters.push(Box::new(Username::new(ATTR_USERNAME, name.to_owned())));
            }
            None => setters.push(Box::new(BINDING_SUCCESS)),
        }
        let mut message = Message::new();
        message.build(&setters).unwrap();
        message.raw
    }

    #[test]
    fn a_binding_request_names_the_sfu_side_ufrag() {
        assert_eq!(
            classify(&stun(Some("sfuSide:clientSide"))),
            Kind::Stun(Some("sfuSide".to_owned()))
        );
    }

    #[test]
    fn a_binding_response_names_nobody() {
        assert_eq!(classify(&stun(None)), Kind::Stun(None));
    }

    #[test]
    fn a_username_without_both_halves_names_nobody() {
        assert_eq!(classify(&stun(Some("loner"))), Kind::Stun(None));
    }

    #[test]
    fn dtls_and_rtp_go_by_their_first_byte() {
        // A DTLS 1.2 handshake record, an RTP header (V=2), an RTCP receiver report.
        assert_eq!(classify(&[22, 0xfe, 0xfd, 0, 0]), Kind::Dtls);
        assert_eq!(classify(&[0x80, 111, 0, 1]), Kind::Rtp);
        assert_eq!(classify(&[0x81, 201, 0, 7]), Kind::Rtp);
    }

    #[test]
    fn garbage_is_other() {
        assert_eq!(classify(&[]), Kind::Other);
        assert_eq!(classify(&[64, 0, 0, 4]), Kind::Other);
        assert_eq!(classify(&[255]), Kind::Other);
        // A STUN-range first byte that is not STUN.
        assert_eq!(classify(&[1, 2, 3]), Kind::Stun(None));
    }
}
