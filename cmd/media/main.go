// Command media runs the media library from a shell.
//
//	media process [-out DIR] [-small-pixels N] [FILE...]
//
// processes each FILE as an upload, prints one Mastodon Attachment JSON
// object per line, and writes DIR/<file name>/original.<ext> and
// small.<ext>. With no FILE it processes an embedded sample photo.
//
//	media serve [-addr 127.0.0.1:8080] [-data DIR] [-base-url URL] [-token TOKEN]
//
// serves Mastodon's media API and the stored files, with records in an
// embedded SQLite database under DIR. The token may also come from the
// MEDIA_TOKEN environment variable.
package main

import (
	"fmt"
	"io"
	"os"
)

const usage = `usage:
  media process [-out DIR] [-small-pixels N] [FILE...]
      Process each FILE as an upload: print its Attachment JSON on one line
      and write DIR/<file name>/original.<ext> and small.<ext>. With no FILE,
      process an embedded sample photo.
  media serve [-addr 127.0.0.1:8080] [-data DIR] [-base-url URL] [-token TOKEN]
      Serve Mastodon's media API (POST /api/v1/media, /api/v2/media; GET, PUT
      and DELETE /api/v1/media/{id}) and the stored files, keeping records in
      DIR/media.db and files in DIR/files. The bearer token comes from -token
      or the MEDIA_TOKEN environment variable. Stops on SIGINT or SIGTERM.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "process":
		return runProcess(args[1:], stdout, stderr)
	case "serve":
		return runServe(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "media: unknown command %q\n%s", args[0], usage)
	return 2
}
