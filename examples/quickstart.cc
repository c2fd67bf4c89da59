// Placeholder until the C++ quick start lands.
int main() { return 0; }
