package kernel

import "testing"

// TestLiveContent: a progress line is a display the first time and an
// update of the same display after.
func TestLiveContent(t *testing.T) {
	for _, first := range []bool{true, false} {
		msgType, c := liveContent("aim-pretrain-1", "step 10/100", first)
		want := map[bool]string{true: "display_data", false: "update_display_data"}[first]
		data, _ := c["data"].(map[string]string)
		tr, _ := c["transient"].(map[string]any)
		if msgType != want || data["text/plain"] != "step 10/100" || tr["display_id"] != "aim-pretrain-1" {
			t.Errorf("first %v: %s %v", first, msgType, c)
		}
	}
}
