package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	kvsapi "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"
	"github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore/types"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

const (
	// kvsDefaultEndpoint is where `edgefn serve` listens unless told otherwise.
	kvsDefaultEndpoint = "http://127.0.0.1:8080"
	// kvsBatchKeys is how many keys one UpdateKeys of `kvs import` carries (the AWS quota).
	kvsBatchKeys = 50
	// kvsPageSize is the largest ListKeys page the API allows.
	kvsPageSize = 50
	// kvsWriteAttempts bounds how often a write is retried after another
	// writer changed the store first (ConflictException).
	kvsWriteAttempts = 10
)

func newKVSCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "kvs",
		Short: "Read and write KeyValueStore items on a running edgefn server",
		Long: `Read and write the items of a KeyValueStore through the AWS SDK, as any
client would. STORE is a store name or ARN.

Credentials come from EDGEFN_ACCESS_KEY_ID and EDGEFN_SECRET_ACCESS_KEY when both
are set, otherwise from the standard AWS environment variables and profiles.`,
		SilenceUsage: true,
	}
	t := &kvsTarget{endpoint: os.Getenv("EDGEFN_ENDPOINT")}
	if t.endpoint == "" {
		t.endpoint = kvsDefaultEndpoint
	}
	cmd.PersistentFlags().StringVar(&t.endpoint, "endpoint", t.endpoint, "edgefn API endpoint (env EDGEFN_ENDPOINT)")
	cmd.AddCommand(
		newKVSDescribeCommand(t),
		newKVSGetCommand(t),
		newKVSWriteCommand(t, "put STORE KEY VALUE", "Set a key's value", 3,
			func(ctx context.Context, c *kvsClient, arn, etag string, args []string) (kvsWriteResult, error) {
				out, err := c.data.PutKey(ctx, &kvsapi.PutKeyInput{KvsARN: &arn, Key: &args[1], Value: &args[2], IfMatch: &etag})
				if err != nil {
					return kvsWriteResult{}, err
				}
				return newWriteResult(out.ETag, out.ItemCount, out.TotalSizeInBytes), nil
			}),
		newKVSWriteCommand(t, "delete STORE KEY", "Delete a key", 2,
			func(ctx context.Context, c *kvsClient, arn, etag string, args []string) (kvsWriteResult, error) {
				out, err := c.data.DeleteKey(ctx, &kvsapi.DeleteKeyInput{KvsARN: &arn, Key: &args[1], IfMatch: &etag})
				if err != nil {
					return kvsWriteResult{}, err
				}
				return newWriteResult(out.ETag, out.ItemCount, out.TotalSizeInBytes), nil
			}),
		newKVSListCommand(t),
		newKVSImportCommand(t),
	)
	return cmd
}

// kvsTarget is the server the kvs commands talk to (--endpoint).
type kvsTarget struct{ endpoint string }

// open connects to the server and resolves STORE, a name or an ARN, to an ARN.
func (t *kvsTarget) open(cmd *cobra.Command, store string) (*kvsClient, string, error) {
	c, err := newKVSClient(cmd.Context(), t.endpoint)
	if err != nil {
		return nil, "", err
	}
	arn, err := c.resolveARN(cmd.Context(), store)
	if err != nil {
		return nil, "", err
	}
	return c, arn, nil
}

func newKVSDescribeCommand(t *kvsTarget) *cobra.Command {
	return &cobra.Command{
		Use:   "describe STORE",
		Short: "Show a store's item count, size and ETag",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, arn, err := t.open(cmd, args[0])
			if err != nil {
				return err
			}
			out, err := c.data.DescribeKeyValueStore(cmd.Context(), &kvsapi.DescribeKeyValueStoreInput{KvsARN: &arn})
			if err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), kvsDescription{
				KvsARN:           aws.ToString(out.KvsARN),
				ItemCount:        aws.ToInt32(out.ItemCount),
				TotalSizeInBytes: aws.ToInt64(out.TotalSizeInBytes),
				Created:          aws.ToTime(out.Created),
				LastModified:     out.LastModified,
				Status:           aws.ToString(out.Status),
				FailureReason:    aws.ToString(out.FailureReason),
				ETag:             aws.ToString(out.ETag),
			})
		},
	}
}

func newKVSGetCommand(t *kvsTarget) *cobra.Command {
	return &cobra.Command{
		Use:   "get STORE KEY",
		Short: "Print the value of a key",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, arn, err := t.open(cmd, args[0])
			if err != nil {
				return err
			}
			out, err := c.data.GetKey(cmd.Context(), &kvsapi.GetKeyInput{KvsARN: &arn, Key: &args[1]})
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), aws.ToString(out.Value))
			return err
		},
	}
}

// newKVSWriteCommand builds put and delete: one change made with the store's
// current ETag, retried on conflict, then the store's new state printed.
func newKVSWriteCommand(t *kvsTarget, use, short string, nargs int,
	write func(ctx context.Context, c *kvsClient, arn, etag string, args []string) (kvsWriteResult, error)) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(nargs),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, arn, err := t.open(cmd, args[0])
			if err != nil {
				return err
			}
			w := &etagWriter{client: c, arn: arn}
			res, err := w.write(cmd.Context(), func(etag string) (kvsWriteResult, error) {
				return write(cmd.Context(), c, arn, etag, args)
			})
			if err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), res)
		},
	}
}

func newKVSListCommand(t *kvsTarget) *cobra.Command {
	var maxItems int
	cmd := &cobra.Command{
		Use:   "list STORE",
		Short: "Print every item, one JSON object per line (the format import reads)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if maxItems < 0 {
				return fmt.Errorf("--max must not be negative")
			}
			c, arn, err := t.open(cmd, args[0])
			if err != nil {
				return err
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetEscapeHTML(false)
			in := &kvsapi.ListKeysInput{KvsARN: &arn}
			for printed := 0; maxItems == 0 || printed < maxItems; {
				page := kvsPageSize
				if maxItems > 0 {
					page = min(page, maxItems-printed)
				}
				in.MaxResults = aws.Int32(int32(page))
				out, err := c.data.ListKeys(cmd.Context(), in)
				if err != nil {
					return err
				}
				for _, it := range out.Items {
					if err := enc.Encode(kvsImportItem{Key: it.Key, Value: it.Value}); err != nil {
						return err
					}
				}
				printed += len(out.Items)
				if aws.ToString(out.NextToken) == "" {
					break
				}
				in.NextToken = out.NextToken
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&maxItems, "max", 0, "print at most this many items (0: all)")
	return cmd
}

func newKVSImportCommand(t *kvsTarget) *cobra.Command {
	return &cobra.Command{
		Use:   "import STORE FILE",
		Short: "Put every item of FILE into the store, 50 keys per UpdateKeys",
		Long: `Put every item of FILE ("-" for stdin) into the store. FILE is either the S3
import format of CreateKeyValueStore, {"data":[{"key":"k","value":"v"},...]}, or
JSON lines of {"key":"k","value":"v"} (what "edgefn kvs list" prints). A key that
appears twice keeps its last value. Each batch is atomic; when a batch fails,
the batches before it stay written.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			items, err := readImportFile(cmd.InOrStdin(), args[1])
			if err != nil {
				return err
			}
			c, arn, err := t.open(cmd, args[0])
			if err != nil {
				return err
			}
			res, err := importItems(cmd.Context(), c, arn, items, newProgress(cmd.ErrOrStderr(), len(items)))
			if err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), res)
		},
	}
}

// kvsDescription is what `kvs describe` prints.
type kvsDescription struct {
	KvsARN           string
	ItemCount        int32
	TotalSizeInBytes int64
	Created          time.Time
	LastModified     *time.Time `json:",omitempty"`
	Status           string     `json:",omitempty"`
	FailureReason    string     `json:",omitempty"`
	ETag             string
}

// kvsWriteResult is the store's state after a write, as the write reported it.
type kvsWriteResult struct {
	ETag             string
	ItemCount        int32
	TotalSizeInBytes int64
}

// newWriteResult collects the members PutKey, DeleteKey and UpdateKeys share.
func newWriteResult(etag *string, count *int32, size *int64) kvsWriteResult {
	return kvsWriteResult{ETag: aws.ToString(etag), ItemCount: aws.ToInt32(count), TotalSizeInBytes: aws.ToInt64(size)}
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// isConflict reports whether err says the store changed since the ETag was read.
func isConflict(err error) bool {
	var conflict *types.ConflictException
	return errors.As(err, &conflict)
}

// readImportFile reads name ("-": stdin) as an S3 import document or as JSON lines.
func readImportFile(stdin io.Reader, name string) ([]kvsImportItem, error) {
	r := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	items, err := parseImport(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return items, nil
}

// parseImport decodes a stream of JSON objects: one {"data":[...]} document,
// or one {"key","value"} object per item. Later values of a key replace earlier
// ones in place, so each key is written once.
func parseImport(r io.Reader) ([]kvsImportItem, error) {
	dec := json.NewDecoder(r)
	var items []kvsImportItem
	index := map[string]int{}
	add := func(it kvsImportItem, where string) error {
		if it.Key == nil || it.Value == nil {
			return fmt.Errorf("%s: want an object with string members \"key\" and \"value\"", where)
		}
		if i, ok := index[*it.Key]; ok {
			items[i] = it
			return nil
		}
		index[*it.Key] = len(items)
		items = append(items, it)
		return nil
	}
	for n := 1; ; n++ {
		var doc struct {
			kvsImportItem
			Data []kvsImportItem `json:"data"`
		}
		if err := dec.Decode(&doc); err == io.EOF {
			return items, nil
		} else if err != nil {
			return nil, fmt.Errorf("JSON value %d: %w", n, err)
		}
		if doc.Data == nil {
			if err := add(doc.kvsImportItem, fmt.Sprintf("JSON value %d", n)); err != nil {
				return nil, err
			}
			continue
		}
		for i, it := range doc.Data {
			if err := add(it, fmt.Sprintf("data[%d]", i)); err != nil {
				return nil, err
			}
		}
	}
}

// kvsImportItem is one item of an import file (lower-case members, as in the
// S3 import format).
type kvsImportItem struct {
	Key   *string `json:"key"`
	Value *string `json:"value"`
}

// importItems writes items in batches of kvsBatchKeys, each an UpdateKeys with
// the ETag the previous batch returned, and returns the store's final state.
func importItems(ctx context.Context, c *kvsClient, arn string, items []kvsImportItem, p progress) (kvsWriteResult, error) {
	w := &etagWriter{client: c, arn: arn}
	if len(items) == 0 {
		return w.refresh(ctx)
	}
	var res kvsWriteResult
	for start := 0; start < len(items); start += kvsBatchKeys {
		batch := items[start:min(start+kvsBatchKeys, len(items))]
		puts := make([]types.PutKeyRequestListItem, len(batch))
		for i, it := range batch {
			puts[i] = types.PutKeyRequestListItem{Key: it.Key, Value: it.Value}
		}
		var err error
		res, err = w.write(ctx, func(etag string) (kvsWriteResult, error) {
			out, err := c.data.UpdateKeys(ctx, &kvsapi.UpdateKeysInput{KvsARN: &arn, IfMatch: &etag, Puts: puts})
			if err != nil {
				return kvsWriteResult{}, err
			}
			return newWriteResult(out.ETag, out.ItemCount, out.TotalSizeInBytes), nil
		})
		if err != nil {
			return kvsWriteResult{}, fmt.Errorf("import stopped after %d of %d keys: %w", start, len(items), err)
		}
		p.Add(len(batch))
	}
	return res, nil
}

// progress counts imported keys; a failure to draw it never stops an import.
type progress interface {
	Add(n int) error
}

// newProgress draws a bar on a terminal and prints one line per batch
// elsewhere, so logs and CI output stay readable.
func newProgress(w io.Writer, total int) progress {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return progressbar.NewOptions(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription("importing"),
			progressbar.OptionShowCount(),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
		)
	}
	return &progressLines{w: w, total: total}
}

type progressLines struct {
	w           io.Writer
	done, total int
}

func (p *progressLines) Add(n int) error {
	p.done += n
	_, err := fmt.Fprintf(p.w, "imported %d/%d keys\n", p.done, p.total)
	return err
}
