package templatetest

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBootstraps runs, for every function of template.yaml, the very make
// target sam build runs, and checks the result is what provided.al2023 on
// arm64 executes: a static linux/arm64 ELF named bootstrap. It reports each
// binary's size. A function whose package does not exist yet fails here.
func TestBootstraps(t *testing.T) {
	root := repoRoot(t)
	fns := parsed(t, scenarios(t)[0]).GetAllServerlessFunctionResources()
	// One at a time: go build is parallel itself and the machine is shared.
	for _, id := range sortedKeys(fns) {
		t.Run(id, func(t *testing.T) {
			pkg := functionDirs[id]
			_, err := os.Stat(filepath.Join(root, pkg, "main.go"))
			require.NoError(t, err, "%s cannot be built: %s/main.go does not exist (yet)", id, pkg)

			dir := t.TempDir()
			cmd := exec.Command("make", "--no-print-directory", "build-"+id, "ARTIFACTS_DIR="+dir)
			cmd.Dir = root
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "make build-%s failed:\n%s", id, out)

			bin := filepath.Join(dir, "bootstrap")
			st, err := os.Stat(bin)
			require.NoError(t, err, "build-%s wrote no $(ARTIFACTS_DIR)/bootstrap", id)
			require.NotZero(t, st.Mode()&0o111, "bootstrap is not executable")

			f, err := elf.Open(bin)
			require.NoError(t, err, "bootstrap is not an ELF file")
			defer f.Close()
			require.Equal(t, elf.EM_AARCH64, f.Machine, "bootstrap is not arm64")
			require.Equal(t, elf.ET_EXEC, f.Type, "bootstrap is not a plain executable")
			for _, p := range f.Progs {
				require.NotEqual(t, elf.PT_INTERP, p.Type, "bootstrap is dynamically linked (CGO_ENABLED=0 missing?)")
			}
			require.Nil(t, f.Section(".symtab"), "bootstrap is not stripped (-ldflags '-s -w' missing?)")

			t.Logf("%s: bootstrap %.1f MiB (%d bytes)", id, float64(st.Size())/(1<<20), st.Size())
		})
	}
}
