package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/fedimedia/media"
	"github.com/fedimedia/media/localstore"
	"github.com/fedimedia/media/mastoapi"
)

// serveAccountID is the account that owns the token of `media serve`.
const serveAccountID = "1"

// shutdownTimeout is how long `media serve` waits for requests in flight
// after SIGINT or SIGTERM.
const shutdownTimeout = 10 * time.Second

// runServe runs `media serve` until SIGINT or SIGTERM and returns the exit
// status.
func runServe(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "TCP `address` to listen on; port 0 picks a free port")
	dataDir := fs.String("data", "media-data", "`folder` for the database (media.db) and the stored files (files/)")
	baseURL := fs.String("base-url", "", "absolute `URL` the stored files are served under (default http://<listen address>)")
	token := fs.String("token", "", "bearer `token` that grants read and write access (default $MEDIA_TOKEN, which keeps it out of the process list)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "media serve: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *token == "" {
		*token = os.Getenv("MEDIA_TOKEN")
	}
	if *token == "" {
		fmt.Fprintln(stderr, "media serve: no access token: set the MEDIA_TOKEN environment variable or pass -token")
		return 2
	}

	logger := slog.New(slog.NewTextHandler(stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, serveConfig{addr: *addr, dataDir: *dataDir, baseURL: *baseURL, token: *token}, stdout, logger); err != nil {
		logger.Error("media serve failed", "error", err)
		return 1
	}
	return 0
}

type serveConfig struct {
	addr, dataDir, baseURL, token string
}

// serve opens the stores, listens, prints the address and serves until ctx
// is done, then shuts the server down and closes the database.
func serve(ctx context.Context, cfg serveConfig, stdout io.Writer, logger *slog.Logger) error {
	blobs, err := localstore.NewBlobStore(filepath.Join(cfg.dataDir, "files"))
	if err != nil {
		return err
	}
	records, err := localstore.OpenRecordStore(filepath.Join(cfg.dataDir, "media.db"))
	if err != nil {
		return err
	}
	defer func() {
		if err := records.Close(); err != nil {
			logger.Error("closing the database failed", "error", err)
		}
	}()
	auth, err := localstore.NewTokenAuthenticator(cfg.token, serveAccountID)
	if err != nil {
		return err
	}
	proc, err := media.New(media.Options{})
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	base := cfg.baseURL
	if base == "" {
		base = defaultBaseURL(ln.Addr())
	}
	handler, err := newServeHandler(base, proc, auth, records, blobs, logger)
	if err != nil {
		return err
	}

	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())
	logger.Info("media serve started", "addr", ln.Addr().String(), "base_url", base, "data", cfg.dataDir)

	select {
	case err := <-served:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	logger.Info("media serve stopping", "timeout", shutdownTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving: %w", err)
	}
	logger.Info("media serve stopped")
	return nil
}

// newServeHandler routes /api/ to the media API and the path of the base
// URL to the stored files.
func newServeHandler(base string, proc *media.Processor, auth mastoapi.Authenticator,
	records mastoapi.RecordStore, blobs *localstore.BlobStore, logger *slog.Logger) (http.Handler, error) {
	api, err := mastoapi.New(mastoapi.Config{
		Processor: proc,
		Auth:      auth,
		Records:   records,
		Blobs:     blobs,
		BaseURL:   base,
		Logger:    logger,
	})
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	prefix := strings.TrimRight(u.Path, "/")
	if prefix == "/api" || strings.HasPrefix(prefix, "/api/") {
		return nil, fmt.Errorf("the path of -base-url %q must not be under /api/, where the API is served", base)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", api)
	mux.Handle(prefix+"/", http.StripPrefix(prefix, blobs.FileServer(logger)))
	return mux, nil
}

// defaultBaseURL returns http://<listen address>. A server listening on all
// interfaces (0.0.0.0 or ::) gets the loopback address instead, which at
// least works on the same machine. Other clients need -base-url.
func defaultBaseURL(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return "http://" + addr.String()
	}
	loopback := net.IPv4(127, 0, 0, 1)
	if tcp.IP.To4() == nil {
		loopback = net.IPv6loopback
	}
	return "http://" + net.JoinHostPort(loopback.String(), strconv.Itoa(tcp.Port))
}
