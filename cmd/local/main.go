// Command local runs the whole Roster API on one listener without AWS or
// Docker: it starts the local backend (moto_server for DynamoDB, Secrets
// Manager and SQS), builds every function's handler in process, routes
// requests to them exactly as template.yaml routes them in API Gateway, and
// feeds the local provisioning queue to the provisioning handler as the
// SQS event source does in AWS. It also serves the API description at
// /openapi.yaml and a reference page rendered from it at /docs/.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"roster"
	"roster/cmd/internal/devstack"
	"roster/cmd/internal/dynamolocal"
	"roster/shared/catalog"
	"roster/shared/mail"
	"roster/shared/provision"
	"roster/shared/samtemplate"
	"roster/shared/web"
)

func main() {
	// The same binary relays DynamoDB Local's socket inside its namespace.
	dynamolocal.RunIfNamespaced()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "local:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("local", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:3000", "listen address (loopback only)")
	tplPath := fs.String("template", "template.yaml", "SAM template to route by")
	demoPath := fs.String("demo-file", ".roster/demo.json", "where to write the demo credentials")
	motoURL := fs.String("moto", "", "use this running moto_server instead of starting one")
	dynamoURL := fs.String("dynamodb", "", "keep the table in this running DynamoDB Local instead of starting one")
	table := fs.String("table", "roster-local", "name of the table (servers sharing one DynamoDB Local each need their own)")
	dataDir := fs.String("data", "", "keep the table, its key material and the demo credentials in this folder across restarts (default: fresh each start)")
	redocPath := fs.String("redoc", defaultRedocBundle, "Redoc's standalone bundle, for the reference page at /docs/")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := web.NewLogger(stderr, "info")

	// The stack's platform is the graph each function builds in Lambda;
	// here one serves them all, as one container per function would.
	state := filepath.Join(filepath.Dir(*demoPath), "dynamodb-local")
	if *dataDir != "" {
		state = *dataDir
	}
	tbl, err := startTable(ctx, *dynamoURL, state, *dataDir != "", os.Getenv, stderr)
	if err != nil {
		return err
	}
	defer tbl.close()
	motoLog, err := openLog(filepath.Join(filepath.Dir(*demoPath), "moto.log"))
	if err != nil {
		return err
	}
	defer motoLog.Close()
	stack, err := devstack.Start(ctx, devstack.Options{MotoURL: *motoURL, Template: *tplPath, Log: log, TableName: *table,
		Table: tbl.opts, DataDir: *dataDir, Logs: motoLog})
	if err != nil {
		return err
	}
	defer stack.Close()
	p := stack.Platform
	tpl, err := samtemplate.Load(*tplPath)
	if err != nil {
		return err
	}
	mux, err := catalog.Handler(tpl, p)
	if err != nil {
		return err
	}
	q := sqs.NewFromConfig(stack.AWS)
	proc, err := p.Provisioning(provision.NewQueue(q, stack.NotificationsQueueURL))
	if err != nil {
		return err
	}
	watchPath := filepath.Join(filepath.Dir(*demoPath), "events.jsonl")
	stopFeed, err := startFeed(ctx, stack, tbl, watchPath, log)
	if err != nil {
		return err
	}
	defer stopFeed()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	// The mailer, as MailerFunction runs in AWS, but sending to an outbox
	// a developer reads at /_local/outbox (and in .roster/outbox/).
	outbox := mail.NewOutbox(filepath.Join(filepath.Dir(*demoPath), "outbox"))
	renderer, err := mail.NewRenderer(base)
	if err != nil {
		return err
	}
	mailer := mail.NewProcessor(renderer, outbox)
	demo := stack.Demo
	demo.APIURL = base
	if err := devstack.WriteDemo(*demoPath, demo); err != nil {
		return err
	}
	fmt.Fprintf(stdout, `Roster is listening on %[1]s
  table:            %[9]s
  Secrets Manager,
  SQS:              moto_server at %[2]s
  logs:             this terminal (requests), %[10]s
Demo tenant %[3]q; every demo credential is in %[4]s.

  # UserInfo, with the tenant API key
  curl -s -X POST %[1]s/UserInfo/RegisterNewUser -H 'Authorization: %[5]s' \
       -H 'Content-Type: application/json' -d '{"userEmail":"alan@example.com","firstName":"Alan","lastName":"Turing"}'
  # Account: log in on the demo device as the owner (user code %[6]q, password %[7]q)
  curl -s -X POST %[1]s/account -H 'Authorization: %[8]s' \
       -H 'Content-Type: application/json' -d '{"userCode":"%[6]s","password":"%[7]s"}'
  # then call GET %[1]s/account with 'Authorization: Bearer <accessToken>'
  # Public signing keys
  curl -s %[1]s/.well-known/jwks.json
  # Provisioning: send an event to the local queue (URL in the demo file)
  ./scripts/send-event.sh events/provisioning-user-upsert.json
  # SCIM 2.0 for an identity provider: base URL %[1]s/scim/v2, the SCIM token
  curl -s %[1]s/scim/v2/Users -H 'Authorization: Bearer %[12]s'
  # Mail Roster sent (reset links, invitations): %[1]s/_local/outbox
  # Events: every change as a CloudEvent, as it leaves the table's stream
  tail -f %[11]s
  # and the tenant's audit log
  curl -s '%[1]s/tenants/%[3]s/audit' -H 'Authorization: %[5]s'

API reference: %[1]s/docs/ (the description itself: %[1]s/openapi.yaml)

Press Ctrl-C to stop.
`, base, stack.MotoURL, devstack.DemoTenant, *demoPath, stack.DemoKey, demo.Owner.UserCode, demo.Owner.Password, demo.DeviceToken,
		tbl.where, logPaths(tbl.logs, motoLog.Name()), relative(watchPath), demo.SCIMToken)

	local := http.NewServeMux()
	local.Handle("/_local/outbox", outbox)
	local.Handle("/", withReference(withPasskeyPage(mux), roster.OpenAPI, *redocPath))
	srv := &http.Server{Handler: local, ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	polling, stopPolling := context.WithCancel(ctx)
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		_ = provision.Poll(polling, q, stack.ProvisioningQueueURL, log,
			func(ctx context.Context, b events.SQSEvent) events.SQSEventResponse { return proc.Handle(ctx, log, b) })
	}()
	mailed := make(chan struct{})
	go func() {
		defer close(mailed)
		_ = provision.Poll(polling, q, stack.NotificationsQueueURL, log,
			func(ctx context.Context, b events.SQSEvent) events.SQSEventResponse {
				return mailer.Handle(ctx, log, b)
			})
	}()
	defer func() { stopPolling(); <-polled; <-mailed }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// openLog opens a log file afresh, creating its folder.
func openLog(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	return os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
}

// logPaths lists the log files the banner names.
func logPaths(paths ...string) string {
	var out []string
	for _, p := range paths {
		if p != "" {
			out = append(out, relative(p))
		}
	}
	return strings.Join(out, ", ")
}
