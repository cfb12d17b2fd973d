package dev.webtransport.protocol.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WebTransportDialectTest {

    @Test
    void chromiumDefaultSettingsSelectDraft02() {
        Map<Long, Long> chromium = Map.of(0x2b603742L, 1L, 0x33L, 1L, 0xffd277L, 1L);
        assertThat(WebTransportDialect.fromPeerSettings(chromium)).isEqualTo(WebTransportDialect.DRAFT_02);
    }

    @Test
    void chromiumWithTheDraft07FlagSelectsDraft07() {
        Map<Long, Long> chromium = Map.of(0x2b603742L, 1L, 0x33L, 1L, 0xffd277L, 1L, 0xc671706aL, 16L);
        assertThat(WebTransportDialect.fromPeerSettings(chromium)).isEqualTo(WebTransportDialect.DRAFT_07);
    }

    @Test
    void flupkeSettingsSelectDraft13() {
        Map<Long, Long> flupke = Map.of(0x1L, 0L, 0x7L, 0L, 0x14e9cd29L, 1L);
        assertThat(WebTransportDialect.fromPeerSettings(flupke)).isEqualTo(WebTransportDialect.DRAFT_13);
    }

    @Test
    void webTransportGoClientSettingsSelectDraft15() {
        assertThat(WebTransportDialect.fromPeerSettings(Map.of(0x2c7cf000L, 1L)))
                .isEqualTo(WebTransportDialect.DRAFT_15);
    }

    @Test
    void webTransportGoServerSettingsSelectTheHighestDialect() {
        Map<Long, Long> server = Map.of(0x2b603742L, 1L, 0x2c7cf000L, 1L, 0x14e9cd29L, VarInt.MAX_VALUE);
        assertThat(WebTransportDialect.fromPeerSettings(server)).isEqualTo(WebTransportDialect.DRAFT_15);
    }

    @Test
    void noWebTransportSettingFallsBackToDraft13() {
        assertThat(WebTransportDialect.fromPeerSettings(Map.of())).isEqualTo(WebTransportDialect.DRAFT_13);
        assertThat(WebTransportDialect.fromPeerSettings(Map.of(0x8L, 1L, 0x33L, 1L, 0x2b61L, 0L)))
                .isEqualTo(WebTransportDialect.DRAFT_13);
    }

    @Test
    void zeroValuesDoNotSignalSupport() {
        Map<Long, Long> settings = new HashMap<>();
        settings.put(0x2c7cf000L, 0L);
        settings.put(0x14e9cd29L, null);
        settings.put(0xc671706aL, 0L);
        settings.put(0x2b603742L, 1L);
        assertThat(WebTransportDialect.fromPeerSettings(settings)).isEqualTo(WebTransportDialect.DRAFT_02);
        settings.put(0x2b603742L, 0L);
        assertThat(WebTransportDialect.fromPeerSettings(settings)).isEqualTo(WebTransportDialect.DRAFT_13);
    }

    @Test
    void describesTheDialects() {
        assertThat(WebTransportDialect.DRAFT_02.usesThirtyTwoBitCodes()).isFalse();
        assertThat(WebTransportDialect.DRAFT_07.usesThirtyTwoBitCodes()).isTrue();
        assertThat(WebTransportDialect.DRAFT_13.usesThirtyTwoBitCodes()).isTrue();
        assertThat(WebTransportDialect.DRAFT_15.usesThirtyTwoBitCodes()).isTrue();
        assertThat(WebTransportDialect.DRAFT_02.protocolToken()).isEqualTo("webtransport");
        assertThat(WebTransportDialect.DRAFT_07.protocolToken()).isEqualTo("webtransport");
        assertThat(WebTransportDialect.DRAFT_13.protocolToken()).isEqualTo("webtransport");
        assertThat(WebTransportDialect.DRAFT_15.protocolToken()).isEqualTo("webtransport-h3");
    }
}
