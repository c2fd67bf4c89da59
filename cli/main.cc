// Placeholder until the quiver command lands.
int main() { return 0; }
