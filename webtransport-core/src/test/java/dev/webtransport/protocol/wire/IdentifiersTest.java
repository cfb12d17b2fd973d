package dev.webtransport.protocol.wire;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IdentifiersTest {

    @Test
    void settingsIdsHaveTheirWireValues() {
        assertThat(SettingsIds.QPACK_MAX_TABLE_CAPACITY).isEqualTo(0x1);
        assertThat(SettingsIds.MAX_FIELD_SECTION_SIZE).isEqualTo(0x6);
        assertThat(SettingsIds.QPACK_BLOCKED_STREAMS).isEqualTo(0x7);
        assertThat(SettingsIds.ENABLE_CONNECT_PROTOCOL).isEqualTo(0x8);
        assertThat(SettingsIds.H3_DATAGRAM).isEqualTo(0x33);
        assertThat(SettingsIds.H3_DATAGRAM_DRAFT04).isEqualTo(0xffd277L);
        assertThat(SettingsIds.ENABLE_WEBTRANSPORT_DRAFT02).isEqualTo(0x2b603742L);
        assertThat(SettingsIds.WEBTRANSPORT_MAX_SESSIONS_DRAFT07).isEqualTo(0xc671706aL);
        assertThat(SettingsIds.WT_MAX_SESSIONS).isEqualTo(0x14e9cd29L);
        assertThat(SettingsIds.WT_ENABLED).isEqualTo(0x2c7cf000L);
        assertThat(SettingsIds.WT_INITIAL_MAX_DATA).isEqualTo(0x2b61);
        assertThat(SettingsIds.WT_INITIAL_MAX_STREAMS_UNI).isEqualTo(0x2b64);
        assertThat(SettingsIds.WT_INITIAL_MAX_STREAMS_BIDI).isEqualTo(0x2b65);
    }

    @Test
    void recognisesGreaseSettingIds() {
        assertThat(SettingsIds.isGrease(0x21)).isTrue();
        assertThat(SettingsIds.isGrease(0x1f * 1000L + 0x21)).isTrue();
        assertThat(SettingsIds.isGrease(0x1f * ((VarInt.MAX_VALUE - 0x21) / 0x1f) + 0x21)).isTrue();
        assertThat(SettingsIds.isGrease(0x20)).isFalse();
        assertThat(SettingsIds.isGrease(0x33)).isFalse();
        assertThat(SettingsIds.isGrease(0x2b603742L)).isFalse();
        assertThat(SettingsIds.name(0x14e9cd29L)).isEqualTo("WT_MAX_SESSIONS");
        assertThat(SettingsIds.name(0x40)).isEqualTo("GREASE(0x40)");
        assertThat(SettingsIds.name(0x41)).isEqualTo("0x41");
    }

    @Test
    void capsuleTypesHaveTheirWireValues() {
        assertThat(CapsuleTypes.CLOSE_WEBTRANSPORT_SESSION).isEqualTo(0x2843);
        assertThat(CapsuleTypes.DRAIN_WEBTRANSPORT_SESSION).isEqualTo(0x78ae);
        assertThat(CapsuleTypes.WT_MAX_DATA).isEqualTo(0x190B4D3DL);
        assertThat(CapsuleTypes.WT_MAX_STREAMS_BIDI).isEqualTo(0x190B4D3FL);
        assertThat(CapsuleTypes.WT_MAX_STREAMS_UNI).isEqualTo(0x190B4D40L);
        assertThat(CapsuleTypes.WT_DATA_BLOCKED).isEqualTo(0x190B4D41L);
        assertThat(CapsuleTypes.WT_STREAMS_BLOCKED_BIDI).isEqualTo(0x190B4D43L);
        assertThat(CapsuleTypes.WT_STREAMS_BLOCKED_UNI).isEqualTo(0x190B4D44L);
        assertThat(CapsuleTypes.REGISTER_DATAGRAM_NO_CONTEXT).isEqualTo(0xff37a2L);
    }

    @Test
    void recognisesGreaseCapsuleTypes() {
        assertThat(CapsuleTypes.isGrease(0x17)).isTrue();
        assertThat(CapsuleTypes.isGrease(0x29 * 12345L + 0x17)).isTrue();
        assertThat(CapsuleTypes.isGrease(0x16)).isFalse();
        assertThat(CapsuleTypes.isGrease(0x18)).isFalse();
        assertThat(CapsuleTypes.isGrease(CapsuleTypes.CLOSE_WEBTRANSPORT_SESSION)).isFalse();
        assertThat(CapsuleTypes.isGrease(CapsuleTypes.DRAIN_WEBTRANSPORT_SESSION)).isFalse();
        assertThat(CapsuleTypes.name(0x2843)).isEqualTo("CLOSE_WEBTRANSPORT_SESSION");
        assertThat(CapsuleTypes.name(0x17)).isEqualTo("GREASE(0x17)");
        assertThat(CapsuleTypes.name(0x18)).isEqualTo("0x18");
    }
}
