def load_demo():
    return False
