package media

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// IDGenerator makes Mastodon-style snowflake ids: the Unix time in
// milliseconds shifted left by 16 bits, with a 16-bit sequence in the low
// bits. Ids from one generator increase strictly. The zero value is ready to
// use and safe for concurrent use.
type IDGenerator struct {
	mu     sync.Mutex
	lastMS int64
	seq    uint16
	last   uint64
}

// NewID returns the next id for time t, as a decimal string. Within one
// millisecond the sequence starts at a random value and counts up. Once
// 65,536 ids are used, the id borrows from the next millisecond, so ids
// keep increasing.
func (g *IDGenerator) NewID(t time.Time) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	ms := t.UnixMilli()
	if ms != g.lastMS {
		g.lastMS = ms
		var b [2]byte
		_, _ = rand.Read(b[:])
		g.seq = uint16(b[0])<<8 | uint16(b[1])
	} else {
		g.seq++
	}
	id := uint64(ms)<<16 | uint64(g.seq)
	if id <= g.last {
		id = g.last + 1
	}
	g.last = id
	return strconv.FormatUint(id, 10)
}

// IDPartition splits a decimal id into the directory levels Paperclip uses.
// Below 1,000,000,000 the id is padded to 9 digits, otherwise to 12, and cut
// into groups of 3. Digits left over after the last whole group are dropped,
// as Paperclip drops them. 22348641 gives "022/348/641" and
// 116123456789012345 gives "116/123/456/789/012/345".
func IDPartition(id string) (string, error) {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		return "", fmt.Errorf("media: id %q is not a decimal number: %w", id, err)
	}
	digits := fmt.Sprintf("%09d", n)
	if n >= 1_000_000_000 {
		digits = fmt.Sprintf("%012d", n)
	}
	groups := make([]string, 0, len(digits)/3)
	for i := 0; i+3 <= len(digits); i += 3 {
		groups = append(groups, digits[i:i+3])
	}
	return strings.Join(groups, "/"), nil
}

// NewFileName returns 16 random lower-case hexadecimal characters, the base
// name Mastodon gives every stored file.
func NewFileName() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// StorageKey returns the storage path of one variant in Mastodon's layout,
// "media_attachments/files/<id partition>/<style>/<name>.<ext>".
func StorageKey(id, style, name, ext string) (string, error) {
	partition, err := IDPartition(id)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("media_attachments/files/%s/%s/%s.%s", partition, style, name, ext), nil
}
