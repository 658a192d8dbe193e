#include <iostream>

int main() {
    std::cout << 6 * 7 << '\n';
}
