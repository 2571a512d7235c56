package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"roster/cmd/internal/dynamolocal"
)

// table is where the local server keeps its table.
type table struct {
	opts    func(*dynamodb.Options)        // the table client's settings; nil: in moto_server
	streams func(*dynamodbstreams.Options) // the same for its stream's client
	where   string                         // for the banner
	logs    string                         // DynamoDB Local's log, if this process started it
	close   func()
}

// emulatorChecksums: DynamoDB Local sends error responses (a failed
// condition, say) without the CRC32 header AWS sends, and the SDK logs a
// spurious checksum warning for each; the store tests turn the check off
// against emulators for the same reason. In AWS it stays on.

// startTable decides where the table lives: in the DynamoDB Local at url
// when one is given (tests run one beside the server); otherwise in one
// started here, in a network namespace of its own and reachable only
// through a socket in dir; and when this machine allows no namespace, in
// moto_server, with a warning, since moto's transactions fail under
// concurrent writes. persist keeps the table in dir across restarts.
func startTable(ctx context.Context, url, dir string, persist bool, getenv func(string) string, warn io.Writer) (*table, error) {
	if url != "" {
		return &table{
			opts: func(o *dynamodb.Options) {
				o.BaseEndpoint = aws.String(url)
				o.DisableValidateResponseChecksum = true // see emulatorChecksums
			},
			streams: func(o *dynamodbstreams.Options) { o.BaseEndpoint = aws.String(url) },
			where:   "DynamoDB Local at " + url,
			close:   func() {},
		}, nil
	}
	argv, err := dynamolocal.CommandFromEnv(getenv)
	if err != nil {
		return nil, fmt.Errorf("%w (or pass -dynamodb URL of a running DynamoDB Local)", err)
	}
	srv, err := dynamolocal.Start(ctx, dynamolocal.Options{Command: argv, Dir: dir, Persist: persist})
	if errors.Is(err, dynamolocal.ErrNoNamespace) {
		fmt.Fprintf(warn, "local: warning: %v;\nlocal: the table stays in moto_server, which fails under concurrent writes: fine to try the API, not to load it.\n", err)
		return &table{where: "moto_server (no network namespace for DynamoDB Local)", close: func() {}}, nil
	}
	if err != nil {
		return nil, err
	}
	client := srv.Client()
	return &table{
		opts: func(o *dynamodb.Options) {
			o.BaseEndpoint = aws.String(dynamolocal.Endpoint)
			o.HTTPClient = client
			o.DisableValidateResponseChecksum = true // see emulatorChecksums
		},
		streams: func(o *dynamodbstreams.Options) {
			o.BaseEndpoint = aws.String(dynamolocal.Endpoint)
			o.HTTPClient = client
		},
		where: "DynamoDB Local in a private network namespace, through " + relative(srv.Socket),
		logs:  relative(srv.LogPath),
		close: func() { _ = srv.Close() },
	}, nil
}

// relative shortens path for the banner when it is below the working
// folder.
func relative(path string) string {
	wd, err := os.Getwd()
	if err != nil {
		return path
	}
	if rel, err := filepath.Rel(wd, path); err == nil && !filepath.IsAbs(rel) && rel != "" && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}
