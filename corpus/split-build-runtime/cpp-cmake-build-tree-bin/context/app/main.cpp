int count(int n);
int main() { return count(-1); }
