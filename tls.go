package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// selfSignedLifetime is how long a development certificate lasts.
const selfSignedLifetime = 90 * 24 * time.Hour

// selfSignedFiles returns the certificate and key files for the names, under
// the user's config directory, making them first when they are missing, expire
// within a day, or cover other names. Reusing them lets a browser keep its
// exception.
func selfSignedFiles(names []string, log *slog.Logger) (
	certFile, keyFile string, err error) {
	const fix = "use -tls-cert and -tls-key"
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", "", refuse("-tls-self-signed",
			"no user config directory: "+err.Error(), fix)
	}
	// One pair per set of names, so that switching between deployments keeps
	// each one's certificate, and the browser's exception for it.
	dir = filepath.Join(dir, "corscookie", "tls")
	base := filepath.Join(dir, strings.Join(sortedNames(names), "+"))
	certFile, keyFile = base+".crt", base+".key"

	if certCovers(certFile, keyFile, names) {
		log.Info("self-signed certificate reused",
			"cert", certFile, "names", names)
		return certFile, keyFile, nil
	}
	if err := writeSelfSigned(dir, certFile, keyFile, names); err != nil {
		return "", "", refuse("-tls-self-signed",
			"cannot write the certificate: "+err.Error(), fix)
	}
	log.Info("self-signed certificate created",
		"cert", certFile, "names", names)
	return certFile, keyFile, nil
}

// certCovers reports whether the pair loads, covers exactly the names, and
// stays valid for at least a day.
func certCovers(certFile, keyFile string, names []string) bool {
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return false
	}
	leaf := pair.Leaf
	if time.Until(leaf.NotAfter) < 24*time.Hour {
		return false
	}
	return slices.Equal(certNames(leaf), sortedNames(names))
}

// certNames lists the DNS names and IP addresses of a certificate, sorted.
func certNames(c *x509.Certificate) []string {
	names := slices.Clone(c.DNSNames)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	return sortedNames(names)
}

// sortedNames returns the names in lower case, sorted, without repeats.
func sortedNames(names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, strings.ToLower(n))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// writeSelfSigned makes an ECDSA P-256 key and a certificate for the names.
func writeSelfSigned(dir, certFile, keyFile string, names []string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := certTemplate(names)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl,
		&key.PublicKey, key)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}

	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := writePEM(keyFile, "PRIVATE KEY", keyDER, 0o600); err != nil {
		return err
	}
	return writePEM(certFile, "CERTIFICATE", der, 0o644)
}

// certTemplate describes a server certificate for the names.
func certTemplate(names []string) *x509.Certificate {
	now := time.Now()
	t := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano()),
		Subject: pkix.Name{
			Organization: []string{"corscookie development"},
		},
		NotBefore:   now.Add(-time.Hour),
		NotAfter:    now.Add(selfSignedLifetime),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range sortedNames(names) {
		if ip := net.ParseIP(n); ip != nil {
			t.IPAddresses = append(t.IPAddresses, ip)
		} else {
			t.DNSNames = append(t.DNSNames, n)
		}
	}
	return t
}

// writePEM writes one PEM block to a file of the given mode.
func writePEM(path, blockType string, der []byte, mode os.FileMode) error {
	data := pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der})
	return os.WriteFile(path, data, mode)
}
