package memo

import "testing"

func TestMap(t *testing.T) {
	var c Map[int]
	if _, ok := c.Get([32]byte{1}); ok {
		t.Fatal("a value in the zero Map")
	}
	c.Max = 3
	for i := range 3 {
		c.Put([32]byte{byte(i)}, i)
	}
	if v, ok := c.Get([32]byte{2}); !ok || v != 2 || c.Len() != 3 {
		t.Fatalf("get 2: %d %v, len %d", v, ok, c.Len())
	}
	c.Put([32]byte{9}, 9) // full: starts over
	if _, ok := c.Get([32]byte{0}); ok || c.Len() != 1 {
		t.Fatalf("past the bound: len %d, old entry kept %v", c.Len(), ok)
	}
	c.Forget()
	if _, ok := c.Get([32]byte{9}); ok || c.Len() != 0 {
		t.Fatal("Forget kept an entry")
	}
}
