package console

import (
	"image"
	"image/color"
	"regexp"
	"strconv"
	"strings"
	"testing"

	qr "github.com/piglig/go-qr"
)

// TestQRSVGDecodes draws the SVG's squares into an image and decodes it
// with an independent reader (go-qr's decoder): the code an authenticator
// app scans is the otpauth URI, module for module.
func TestQRSVGDecodes(t *testing.T) {
	uri := "otpauth://totp/rampart:alice?algorithm=SHA1&digits=6&issuer=rampart&period=30&secret=TRRM2FSW4ANNXA5GZRSPV5NMQ6GKVVVT"
	svg, err := qrSVG(uri)
	if err != nil {
		t.Fatal(err)
	}
	s := string(svg)
	if strings.Contains(s, "<script") || strings.Contains(s, "style=") {
		t.Fatalf("svg with script or style: %s", s)
	}
	vb := regexp.MustCompile(`viewBox="0 0 (\d+) (\d+)"`).FindStringSubmatch(s)
	if vb == nil {
		t.Fatal("no viewBox")
	}
	n, _ := strconv.Atoi(vb[1])
	const scale = 6
	img := image.NewGray(image.Rect(0, 0, n*scale, n*scale))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	sq := regexp.MustCompile(`M(\d+) (\d+)h1v1h-1z`).FindAllStringSubmatch(s, -1)
	if len(sq) < 100 {
		t.Fatalf("only %d modules", len(sq))
	}
	for _, m := range sq {
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		for dy := range scale {
			for dx := range scale {
				img.SetGray(x*scale+dx, y*scale+dy, color.Gray{})
			}
		}
	}
	got, err := qr.Decode(img)
	if err != nil || got != uri {
		t.Fatalf("decoded %q, %v; want %q", got, err, uri)
	}
}
