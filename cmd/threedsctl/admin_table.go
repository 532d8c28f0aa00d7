package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/open3ds/server/shared/dynamostore/tabledef"
	"github.com/open3ds/server/shared/vault"
)

func init() {
	adminCommand("table-create", "create the table as template.yaml defines it (DynamoDB Local): table-create -endpoint URL -table NAME",
		func(fs *flag.FlagSet) func(context.Context, *adminFlags, []string, io.Reader, io.Writer) error {
			template := fs.String("template", "", "template file (default: template.yaml of the repository)")
			logicalID := fs.String("resource", tabledef.TableLogicalID, "logical ID of the table resource")
			ifMissing := fs.Bool("if-missing", false, "succeed when the table exists already")
			return func(ctx context.Context, a *adminFlags, _ []string, _ io.Reader, out io.Writer) error {
				if a.table == "" {
					return usagef("-table is required")
				}
				path := *template
				if path == "" {
					p, err := tabledef.FindTemplate("")
					if err != nil {
						return err
					}
					path = p
				}
				c, err := a.client(ctx)
				if err != nil {
					return err
				}
				err = tabledef.CreateTableFromTemplate(ctx, c, path, *logicalID, a.table)
				if *ifMissing && tabledef.IsTableExists(err) {
					fmt.Fprintf(out, "table %s exists\n", a.table)
					return nil
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(out, "table %s created from %s (%s)\n", a.table, path, *logicalID)
				return nil
			}
		})
	register("master-key-generate", command{
		summary: "print a new random master key (hex) for -master-key-file or Secrets Manager",
		run: func(_ []string, _ io.Reader, stdout, stderr io.Writer) int {
			k, err := vault.GenerateMasterKey()
			if err != nil {
				fmt.Fprintln(stderr, err)
				return 1
			}
			fmt.Fprintf(stdout, "%x\n", k)
			return 0
		},
	})
}
