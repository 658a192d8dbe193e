#include <vector>
int main() { std::vector<int> v{3, 1, 2}; return v.size() == 3 ? 0 : 1; }
