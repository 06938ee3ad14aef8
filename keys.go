package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/corscookie/corscookie/session"
)

// keysEnv holds the key list itself; it wins over -keys-file.
const keysEnv = "CORSCOOKIE_KEYS"

// loadKeys returns the keys from CORSCOOKIE_KEYS or else from the key file,
// which it creates with a fresh key on the first run. It logs the source, never
// a key.
func loadKeys(cfg config, lookupEnv lookupFunc, log *slog.Logger) (
	[]session.Key, error) {
	if v, ok := lookupEnv(keysEnv); ok {
		if strings.TrimSpace(v) == "" {
			return nil, refuse(keysEnv, "set but empty",
				"unset it to use the key file, "+
					"or set it to the output of 'corscookie keys new'")
		}
		keys, err := session.ParseKeys(v)
		if err != nil {
			return nil, refuse(keysEnv, err.Error(), keyFix)
		}
		log.Info("keys loaded", "source", "env", "var", keysEnv,
			"count", len(keys))
		return keys, nil
	}

	path, err := keysFilePath(cfg)
	if err != nil {
		return nil, err
	}
	return readKeysFile(path, log)
}

// keyFix says how to repair a bad key list.
const keyFix = "each entry is HASH or HASH:BLOCK in base64, " +
	"hash keys of 32+ bytes, block keys of 16, 24 or 32 bytes; " +
	"'corscookie keys new' prints a good one"

// keysFilePath returns -keys-file or the default under the user's config
// directory.
func keysFilePath(cfg config) (string, error) {
	if cfg.keysFile != "" {
		return cfg.keysFile, nil
	}
	return defaultKeysFile()
}

// readKeysFile reads the key file, creating it first when it does not exist.
func readKeysFile(path string, log *slog.Logger) ([]session.Key, error) {
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := createKeysFile(path); err != nil {
			return nil, refuse("-keys-file",
				"cannot create the key file: "+err.Error(),
				"set -keys-file to a writable path, or set "+keysEnv)
		}
		log.Info("key file created", "path", path)
		info, err = os.Stat(path)
	}
	if err != nil {
		return nil, refuse("-keys-file", err.Error(), "check the path")
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return nil, refuse("-keys-file",
			fmt.Sprintf("%s is open to other users (mode %04o)", path, perm),
			"run chmod 600 "+path)
	}

	data, err := os.ReadFile(path)
	if err != nil {
		return nil, refuse("-keys-file", err.Error(), "check the path")
	}
	keys, err := session.ParseKeys(string(data))
	if err != nil {
		return nil, refuse("-keys-file", path+": "+err.Error(), keyFix)
	}
	log.Info("keys loaded", "source", "file", "path", path, "count", len(keys))
	return keys, nil
}

// createKeysFile writes one fresh key to a new file of mode 0600.
func createKeysFile(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintln(f, session.NewKey()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// runKeys runs "corscookie keys new" and "corscookie keys rotate -keys-file F".
func runKeys(args []string, stdout, stderr io.Writer) int {
	const usage = "usage: corscookie keys new | " +
		"corscookie keys rotate [-keys-file FILE]"
	if len(args) == 0 || args[0] != "new" && args[0] != "rotate" ||
		args[0] == "new" && len(args) > 1 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	if args[0] == "new" {
		fmt.Fprintln(stdout, session.NewKey())
		return 0
	}

	flags := flag.NewFlagSet("corscookie keys rotate", flag.ContinueOnError)
	flags.SetOutput(stderr)
	path := flags.String("keys-file", "",
		"key file to rotate (default: "+defaultKeysFileHint+")")
	if err := flags.Parse(args[1:]); err != nil {
		return 2
	}
	if err := rotateKeysFile(*path); err != nil {
		fmt.Fprintf(stderr, "corscookie: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, "a new current key was put first; "+
		"restart every instance to use it")
	return 0
}

// rotateKeysFile puts a fresh key in front of the file's key list, keeping the
// others so that cookies they signed still verify.
func rotateKeysFile(path string) error {
	if path == "" {
		var err error
		if path, err = defaultKeysFile(); err != nil {
			return err
		}
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s does not exist; start corscookie once "+
			"to create it, or give -keys-file", path)
	}
	if err != nil {
		return err
	}
	keys, err := session.ParseKeys(string(data))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}

	list := session.NewKey() + "," + session.FormatKeys(keys) + "\n"
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(list), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
