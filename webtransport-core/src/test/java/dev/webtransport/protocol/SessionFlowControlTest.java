package dev.webtransport.protocol;

import dev.webtransport.protocol.wire.ErrorCodes;
import dev.webtransport.protocol.wire.SettingsIds;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The session flow-control bookkeeping on its own: negotiation, credit both ways, violations, auto-scaling. */
class SessionFlowControlTest {
    static final long MS = 1_000_000;
    static final FlowControlConfig LOCAL = FlowControlConfig.limited(1000, 8000, 4, 2);
    static final Map<Long, Long> PEER = Map.of(SettingsIds.WT_INITIAL_MAX_DATA, 500L,
            SettingsIds.WT_INITIAL_MAX_STREAMS_BIDI, 2L, SettingsIds.WT_INITIAL_MAX_STREAMS_UNI, 1L);

    static SessionFlowControl on() {
        return SessionFlowControl.negotiated(true, LOCAL, PEER, 0);
    }

    @Test
    void declarationFollowsTheUnionOfTheDraftRules() {
        assertThat(SessionFlowControl.declares(Map.of())).isFalse();
        assertThat(SessionFlowControl.declares(Map.of(SettingsIds.WT_MAX_SESSIONS, 1L))).as("Flupke").isFalse();
        assertThat(SessionFlowControl.declares(Map.of(SettingsIds.ENABLE_WEBTRANSPORT_DRAFT02, 1L,
                SettingsIds.WEBTRANSPORT_MAX_SESSIONS_DRAFT07, 16L))).as("Chromium").isFalse();
        assertThat(SessionFlowControl.declares(Map.of(SettingsIds.WT_MAX_SESSIONS, 2L))).as("draft-13").isTrue();
        assertThat(SessionFlowControl.declares(Map.of(SettingsIds.WT_INITIAL_MAX_DATA, 1L))).as("draft-14+").isTrue();
        assertThat(SessionFlowControl.declares(Map.of(SettingsIds.WT_INITIAL_MAX_STREAMS_UNI, 1L))).isTrue();
        assertThat(SessionFlowControl.declares(Map.of(SettingsIds.WT_INITIAL_MAX_STREAMS_BIDI, 1L))).isTrue();
    }

    @Test
    void ourSettingsDeclareFlowControlOnlyWhenItIsEnabled() {
        ProtocolHandlerConfig four = ProtocolHandlerConfig.defaults().withMaxSessionsPerConnection(4);
        Map<Long, Long> on = WebTransportProtocolHandler.localSettings(four.withFlowControl(LOCAL), true);
        assertThat(on).containsEntry(SettingsIds.WT_MAX_SESSIONS, 4L).containsEntry(SettingsIds.WT_INITIAL_MAX_DATA, 1000L)
                .containsEntry(SettingsIds.WT_INITIAL_MAX_STREAMS_BIDI, 4L)
                .containsEntry(SettingsIds.WT_INITIAL_MAX_STREAMS_UNI, 2L);
        assertThat(SessionFlowControl.declares(on)).isTrue();
        Map<Long, Long> client = WebTransportProtocolHandler.localSettings(
                four.withFlowControl(FlowControlConfig.disabled()), true);
        assertThat(client).as("a client without flow control").containsEntry(SettingsIds.WT_MAX_SESSIONS, 1L)
                .doesNotContainKey(SettingsIds.WT_INITIAL_MAX_DATA);
        assertThat(SessionFlowControl.declares(client)).isFalse();
        Map<Long, Long> server = WebTransportProtocolHandler.localSettings(
                four.withFlowControl(FlowControlConfig.disabled()), false);
        assertThat(server).as("any non-zero initial limit would declare flow control")
                .containsEntry(SettingsIds.WT_MAX_SESSIONS, 1L).doesNotContainKey(SettingsIds.WT_INITIAL_MAX_DATA);
        assertThat(SessionFlowControl.declares(server)).isFalse();
    }

    @Test
    void sendingIsBoundedByThePeersDataLimitUntilItRaisesIt() {
        SessionFlowControl fc = on();
        assertThat(fc.sendCredit()).isEqualTo(500);
        fc.onDataSent(500);
        assertThat(fc.sendCredit()).isZero();
        assertThat(fc.dataBlockedToReport()).isEqualTo(500);
        assertThat(fc.dataBlockedToReport()).as("reported once per limit").isEqualTo(SessionFlowControl.NOTHING);
        assertThat(fc.onMaxData(500)).as("equal is no raise").isFalse();
        assertThat(fc.onMaxData(800)).isTrue();
        assertThat(fc.sendCredit()).isEqualTo(300);
        fc.onDataSent(300);
        assertThat(fc.dataBlockedToReport()).isEqualTo(800);
    }

    @Test
    void aDecreasingLimitIsAFlowControlError() {
        SessionFlowControl fc = on();
        assertThatThrownBy(() -> fc.onMaxData(499)).isInstanceOf(FlowControlException.class)
                .extracting(e -> ((FlowControlException) e).errorCode()).isEqualTo(ErrorCodes.WT_FLOW_CONTROL_ERROR);
        assertThatThrownBy(() -> fc.onMaxStreams(true, 1)).isInstanceOf(FlowControlException.class);
        assertThatThrownBy(() -> fc.onMaxStreams(false, (1L << 60) + 1)).isInstanceOf(FlowControlException.class)
                .hasMessageContaining("2^60");
        assertThat(fc.onMaxStreams(false, 1L << 60)).isTrue();
    }

    @Test
    void openingIsBoundedByThePeersStreamLimits() {
        SessionFlowControl fc = on();
        assertThat(fc.canOpen(true)).isTrue();
        fc.onLocalStreamOpened(true);
        fc.onLocalStreamOpened(true);
        assertThat(fc.canOpen(true)).isFalse();
        assertThat(fc.canOpen(false)).isTrue();
        assertThat(fc.streamsBlockedToReport(true)).isEqualTo(2);
        assertThat(fc.streamsBlockedToReport(true)).isEqualTo(SessionFlowControl.NOTHING);
        assertThat(fc.streamsBlockedToReport(false)).as("uni is not blocked").isEqualTo(SessionFlowControl.NOTHING);
        assertThat(fc.onMaxStreams(true, 3)).isTrue();
        assertThat(fc.canOpen(true)).isTrue();
    }

    @Test
    void thePeerExceedingOurLimitsIsAFlowControlError() {
        SessionFlowControl fc = on();
        fc.onDataReceived(1000);
        assertThatThrownBy(() -> fc.onDataReceived(1)).isInstanceOf(FlowControlException.class)
                .hasMessageContaining("1001 bytes");
        SessionFlowControl streams = on();
        streams.onPeerStreamOpened(false);
        streams.onPeerStreamOpened(false);
        assertThatThrownBy(() -> streams.onPeerStreamOpened(false)).isInstanceOf(FlowControlException.class);
    }

    @Test
    void withoutNegotiationNothingIsEnforcedOrAnnounced() {
        SessionFlowControl fc = SessionFlowControl.negotiated(false, LOCAL, Map.of(), 0);
        assertThat(fc.sendCredit()).isEqualTo(Long.MAX_VALUE);
        assertThat(fc.canOpen(true)).isTrue();
        fc.onDataReceived(10_000);
        fc.onPeerStreamOpened(false);
        fc.onPeerStreamOpened(false);
        fc.onPeerStreamOpened(false);
        assertThat(fc.onDataConsumed(10_000, MS, () -> MS)).isEqualTo(SessionFlowControl.NOTHING);
        assertThat(fc.dataBlockedToReport()).isEqualTo(SessionFlowControl.NOTHING);
    }

    @Test
    void creditReturnsOnceHalfTheWindowIsConsumed() {
        SessionFlowControl fc = on();
        fc.onDataReceived(1000);
        assertThat(fc.onDataConsumed(499, 100 * MS, () -> 0)).isEqualTo(SessionFlowControl.NOTHING);
        assertThat(fc.onDataConsumed(1, 100 * MS, () -> 0)).as("500 consumed + 1000 window").isEqualTo(1500);
        assertThat(fc.localMaxData()).isEqualTo(1500);
        assertThat(fc.window()).as("no round-trip estimate: no growth").isEqualTo(1000);
    }

    @Test
    void theWindowDoublesUpToItsMaximumWhenUpdatesComeWithinTwoRoundTrips() {
        SessionFlowControl fc = on();
        long now = 0;
        long limit = 1000;
        for (int i = 0; i < 6; i++) {
            now += MS; // an update every millisecond with a 10 ms round trip: the window limits the peer
            fc.onDataReceived(limit - fc.dataReceived());
            long next = fc.onDataConsumed(limit - fc.dataConsumed(), now, () -> 10 * MS);
            assertThat(next).isGreaterThan(limit);
            limit = next;
        }
        assertThat(fc.window()).isEqualTo(8000);
        SessionFlowControl slow = on();
        slow.onDataReceived(1000);
        assertThat(slow.onDataConsumed(1000, 100 * MS, () -> 10 * MS)).as("a slow reader does not grow the window")
                .isEqualTo(2000);
        assertThat(slow.window()).isEqualTo(1000);
    }

    @Test
    void aPeerBlockedBehindAnUpdateInFlightGrowsTheWindow() {
        SessionFlowControl fc = on();
        fc.onDataReceived(1000);
        assertThat(fc.onPeerDataBlocked(1000, MS)).as("blocked at our current limit: waiting for the reader")
                .isEqualTo(SessionFlowControl.NOTHING);
        assertThat(fc.onDataConsumed(600, 100 * MS, () -> 0)).isEqualTo(1600);
        assertThat(fc.onPeerDataBlocked(1000, 101 * MS)).as("our update to 1600 was still in flight")
                .isEqualTo(600 + 2000);
        assertThat(fc.window()).isEqualTo(2000);
        assertThat(fc.onPeerDataBlocked(1000, 102 * MS)).as("grows on every such report up to the maximum")
                .isEqualTo(600 + 4000);
        fc.onPeerDataBlocked(1000, 103 * MS);
        assertThat(fc.window()).isEqualTo(8000);
        assertThat(fc.onPeerDataBlocked(1000, 104 * MS)).isEqualTo(SessionFlowControl.NOTHING);
    }

    @Test
    void aPeerBlockedOnStreamsWeNeverSawGetsItsWindowBack() {
        SessionFlowControl fc = on(); // we allow 4 bidi streams
        fc.onPeerStreamOpened(true);
        assertThat(fc.onPeerStreamsBlocked(true, 4)).as("the peer used 4, we saw 1 (3 reset before reaching us)")
                .isEqualTo(4 + 4 - 1);
        assertThat(fc.onPeerStreamsBlocked(true, 4)).as("already raised").isEqualTo(SessionFlowControl.NOTHING);
        assertThat(fc.onPeerStreamsBlocked(true, 7)).as("reported again at the new limit: capped at 2 windows")
                .isEqualTo(8);
        assertThat(fc.onPeerStreamsBlocked(true, 8)).as("no ratchet past closed + 2 windows")
                .isEqualTo(SessionFlowControl.NOTHING);
        SessionFlowControl busy = on();
        for (int i = 0; i < 4; i++) {
            busy.onPeerStreamOpened(true);
        }
        assertThat(busy.onPeerStreamsBlocked(true, 4)).as("all 4 open: the peer waits for closes")
                .isEqualTo(SessionFlowControl.NOTHING);
    }

    @Test
    void streamCreditReturnsAsPeerStreamsClose() {
        SessionFlowControl fc = on();
        for (int i = 0; i < 4; i++) {
            fc.onPeerStreamOpened(true);
        }
        assertThat(fc.onPeerStreamClosed(true)).isEqualTo(SessionFlowControl.NOTHING);
        assertThat(fc.onPeerStreamClosed(true)).as("half the window closed: 2 closed + 4").isEqualTo(6);
        fc.onPeerStreamOpened(true);
        fc.onPeerStreamOpened(true);
        assertThatThrownBy(() -> fc.onPeerStreamOpened(true)).isInstanceOf(FlowControlException.class);
    }

    @Test
    void unlimitedConfigurationNeverNeedsAnUpdate() {
        SessionFlowControl fc = SessionFlowControl.negotiated(true, FlowControlConfig.unlimited(), PEER, 0);
        fc.onDataReceived(1L << 40);
        assertThat(fc.onDataConsumed(1L << 40, MS, () -> MS)).isEqualTo(SessionFlowControl.NOTHING);
        fc.onPeerStreamOpened(true);
        assertThat(fc.onPeerStreamClosed(true)).isEqualTo(SessionFlowControl.NOTHING);
    }

    @Test
    void invalidConfigurationsAreRefused() {
        assertThatThrownBy(() -> FlowControlConfig.limited(0, 10, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FlowControlConfig.limited(10, 5, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FlowControlConfig.limited(10, 10, 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FlowControlConfig.limited(10, 10, 1, (1L << 60) + 1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
