int count(int n) { return n + 1; }
