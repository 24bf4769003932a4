// Package layers holds the test that keeps the package graph pointing
// down: every package has a layer, and imports only packages of lower
// layers.
package layers
