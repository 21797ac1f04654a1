package media

import (
	"strconv"
	"testing"
	"time"
)

func TestIDPartition(t *testing.T) {
	tests := []struct{ id, want string }{
		{"22348641", "022/348/641"},
		{"1", "000/000/001"},
		{"999999999", "999/999/999"},
		{"1000000000", "001/000/000/000"},
		{"116123456789012345", "116/123/456/789/012/345"},
		{"1161234567890123456", "116/123/456/789/012/345"}, // the trailing digit is dropped
	}
	for _, tt := range tests {
		got, err := IDPartition(tt.id)
		if err != nil || got != tt.want {
			t.Errorf("IDPartition(%q) = %q, %v; want %q", tt.id, got, err, tt.want)
		}
	}
	if _, err := IDPartition("12a"); err == nil {
		t.Error("IDPartition(\"12a\") returned no error for a non-numeric id")
	}
}

func TestStorageKey(t *testing.T) {
	got, err := StorageKey("116123456789012345", "small", "0f3a9c2be81d4a77", "jpeg")
	want := "media_attachments/files/116/123/456/789/012/345/small/0f3a9c2be81d4a77.jpeg"
	if err != nil || got != want {
		t.Errorf("StorageKey = %q, %v; want %q", got, err, want)
	}
}

func TestNewIDIncreasesAndEncodesTime(t *testing.T) {
	var g IDGenerator
	now := time.UnixMilli(1_780_000_000_000)
	prev := uint64(0)
	for i := 0; i < 70_000; i++ { // more than one millisecond's 65,536 sequence values
		id, err := strconv.ParseUint(g.NewID(now), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		if id <= prev {
			t.Fatalf("id %d after %d: ids must increase", id, prev)
		}
		prev = id
	}
	first, _ := strconv.ParseUint(g.NewID(now.Add(time.Hour)), 10, 64)
	if ms := int64(first >> 16); ms != now.Add(time.Hour).UnixMilli() {
		t.Errorf("id time part = %d ms, want %d", ms, now.Add(time.Hour).UnixMilli())
	}
	if n := len(strconv.FormatUint(first, 10)); n != 18 {
		t.Errorf("id has %d digits, want the 18 of a current snowflake", n)
	}
	if name := NewFileName(); len(name) != 16 {
		t.Errorf("NewFileName() = %q, want 16 hex characters", name)
	}
}
