//! Subscribers' reception reports reach the SFU. The interceptors keep inbound RTCP to
//! themselves; this one, last in the chain, marks the sender and receiver reports that carry
//! reception blocks for the application (`Attribute::DeliverToApplication`), so they come out
//! of the connection's `poll_read`, and drops the rest, which every interceptor before it has
//! seen. A subscriber's reports on its video lines say how much of what the SFU sends it is
//! lost: its lines then take a narrower simulcast layer (see `peer`).

use std::{collections::VecDeque, time::Instant};

use rtc::{
    interceptor::{Attribute, Interceptor, Packet, StreamInfo, TaggedPacket},
    rtcp::{receiver_report::ReceiverReport, sender_report::SenderReport},
    sansio::Protocol,
    shared::error::Error,
};

/// Where the interceptor goes in the chain: after every built-in one.
pub(crate) const SLOT: usize = 14_000;

/// Whether an RTCP packet holds reception blocks (a receiver's word on the streams it gets).
/// The connection surfaces a packet by the stream its first block names, so a sender report
/// without blocks (which names the client's own stream) is left out.
fn reports_reception(packet: &dyn rtc::rtcp::Packet) -> bool {
    let any = packet.as_any();
    any.downcast_ref::<ReceiverReport>()
        .is_some_and(|r| !r.reports.is_empty())
        || any
            .downcast_ref::<SenderReport>()
            .is_some_and(|r| !r.reports.is_empty())
}

/// The interceptor (see the module).
#[derive(Default)]
pub(crate) struct ReceptionReports {
    read: VecDeque<TaggedPacket>,
    write: VecDeque<TaggedPacket>,
}

impl Protocol<TaggedPacket, TaggedPacket, ()> for ReceptionReports {
    type Rout = TaggedPacket;
    type Wout = TaggedPacket;
    type Eout = ();
    type Error = Error;
    type Time = Instant;

    fn handle_read(&mut self, mut msg: TaggedPacket) -> Result<(), Self::Error> {
        if let Packet::Rtcp(packets) = &msg.message.packet {
            let reports: Vec<Box<dyn rtc::rtcp::Packet>> = packets
                .iter()
                .filter(|p| reports_reception(p.as_ref()))
                .cloned()
                .collect();
            if reports.is_empty() {
                return Ok(());
            }
            msg.message.packet = Packet::Rtcp(reports);
            msg.message.add(Attribute::DeliverToApplication);
        }
        self.read.push_back(msg);
        Ok(())
    }

    fn poll_read(&mut self) -> Option<Self::Rout> {
        self.read.pop_front()
    }

    fn handle_write(&mut self, msg: TaggedPacket) -> Result<(), Self::Error> {
        self.write.push_back(msg);
        Ok(())
    }

    fn poll_write(&mut self) -> Option<Self::Wout> {
        self.write.pop_front()
    }
}

impl Interceptor for ReceptionReports {
    fn bind_local_stream(&mut self, _info: &StreamInfo) {}
    fn unbind_local_stream(&mut self, _info: &StreamInfo) {}
    fn bind_remote_stream(&mut self, _info: &StreamInfo) {}
    fn unbind_remote_stream(&mut self, _info: &StreamInfo) {}
}
