package store

// WrittenTable exposes writtenTable to the tests.
var WrittenTable = writtenTable
