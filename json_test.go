package media

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestAttachmentJSONExample(t *testing.T) {
	// The "file correct" example of Mastodon's media API page, with the
	// preview_remote_url key that the entity has had since Mastodon 3.2.
	a := Attachment{
		ID:         "22348641",
		Type:       TypeImage,
		URL:        "https://files.mastodon.social/media_attachments/files/022/348/641/original/cebc6d51be03e509.jpeg",
		PreviewURL: "https://files.mastodon.social/media_attachments/files/022/348/641/small/cebc6d51be03e509.jpeg",
		Meta: Meta{
			Focus:    &Focus{X: -0.69, Y: 0.42},
			Original: NewGeometry(640, 480),
			Small:    NewGeometry(461, 346),
		},
		Description: "test uploaded via api",
		Blurhash:    "UFBWY:8_0Jxv4mx]t8t64.%M-:IUWGWAt6M}",
	}
	got, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"22348641","type":"image",` +
		`"url":"https://files.mastodon.social/media_attachments/files/022/348/641/original/cebc6d51be03e509.jpeg",` +
		`"preview_url":"https://files.mastodon.social/media_attachments/files/022/348/641/small/cebc6d51be03e509.jpeg",` +
		`"remote_url":null,"preview_remote_url":null,"text_url":null,` +
		`"meta":{"focus":{"x":-0.69,"y":0.42},` +
		`"original":{"width":640,"height":480,"size":"640x480","aspect":1.3333333333333333},` +
		`"small":{"width":461,"height":346,"size":"461x346","aspect":1.3323699421965318}},` +
		`"description":"test uploaded via api","blurhash":"UFBWY:8_0Jxv4mx]t8t64.%M-:IUWGWAt6M}"}`
	if string(got) != want {
		t.Errorf("json.Marshal =\n%s\nwant\n%s", got, want)
	}

	var back Attachment
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(back)
	if !bytes.Equal(again, got) {
		t.Errorf("JSON does not survive a round trip:\n%s\n%s", got, again)
	}
}

func TestAttachmentJSONKeysOfProcessedImage(t *testing.T) {
	res, err := process(t, newProcessor(t, Options{}), readTestdata(t, "mastodon/600x400.jpeg"), Request{})
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(res.Attachment)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var keys []string
	var values = map[string]json.RawMessage{}
	if tok, _ := dec.Token(); tok != json.Delim('{') {
		t.Fatalf("JSON does not start with an object: %s", data)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		key := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, key)
		values[key] = raw
	}
	wantKeys := []string{"id", "type", "url", "preview_url", "remote_url", "preview_remote_url", "text_url", "meta", "description", "blurhash"}
	if len(keys) != len(wantKeys) {
		t.Fatalf("keys = %v, want %v", keys, wantKeys)
	}
	for i := range keys {
		if keys[i] != wantKeys[i] {
			t.Fatalf("keys = %v, want %v in that order", keys, wantKeys)
		}
	}
	for _, k := range []string{"url", "preview_url", "remote_url", "preview_remote_url", "text_url", "description"} {
		if string(values[k]) != "null" {
			t.Errorf("%s = %s, want null before the caller sets it", k, values[k])
		}
	}
	if string(values["id"]) != `""` {
		t.Errorf("id = %s, want a string", values["id"])
	}
	wantMeta := `{"original":{"width":600,"height":400,"size":"600x400","aspect":1.5},` +
		`"small":{"width":588,"height":392,"size":"588x392","aspect":1.5}}`
	if string(values["meta"]) != wantMeta {
		t.Errorf("meta = %s, want %s", values["meta"], wantMeta)
	}
}
