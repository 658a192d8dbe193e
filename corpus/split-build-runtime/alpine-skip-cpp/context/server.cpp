#include <string>
int main() { std::string s("ok"); return s.size() != 2; }
